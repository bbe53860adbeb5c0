/* fuzz-sources: tunnel/portmap/pmp_msg.c tunnel/portmap/portmap.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_pcp.c — libFuzzer target for the PCP MAP response parser (RFC 6887),
 * alone and through the client: portmap_fuzz.h.
 */
#define PORTMAP_FUZZ_PARSE pcp_parse_map
#include "tests/fuzz/portmap_fuzz.h"
