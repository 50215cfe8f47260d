/*
 * pfc.h: the filter (filter.h) printed as libseccomp's pseudo filter
 * code, for --dump.
 */
#ifndef SCFILTER_PFC_H
#define SCFILTER_PFC_H

#include <stdio.h>

#include "filter.h"

void pfc_print(FILE *f, const struct filter *flt);

#endif
