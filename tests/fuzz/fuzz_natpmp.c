/* fuzz-sources: tunnel/portmap/pmp_msg.c tunnel/portmap/portmap.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_natpmp.c — libFuzzer target for the NAT-PMP response parser (RFC 6886),
 * alone and through the client: portmap_fuzz.h.
 */
#define PORTMAP_FUZZ_PARSE natpmp_parse
#include "tests/fuzz/portmap_fuzz.h"
