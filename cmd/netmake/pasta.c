#include "netmake.h"
void rootless_make(struct netstate *s, const struct paths *p, const struct opts *o) { (void)s; (void)p; (void)o; die("rootless: not yet"); }
void rootless_remove(const struct netstate *s, const struct paths *p) { (void)s; (void)p; }
