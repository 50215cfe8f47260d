/*
 * json.h: OCI, Docker and podman seccomp profiles (JSON), decided as
 * runc decides them.
 */
#ifndef SCFILTER_JSON_H
#define SCFILTER_JSON_H

#include <stddef.h>

#include "rules.h"

/* Adds the rules of the document buf (len bytes) to p. */
void json_profile_read(struct profile *p, const char *buf, size_t len,
    const char *origin);

#endif
