/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * receive.h — wg_device_input() (declared in wg.h) lives in receive.c:
 * demultiplexing by message type, handshake and cookie processing under the
 * load rules, and transport decryption, replay and inner-packet checks.
 */
#ifndef GONET_TUNNEL_RECEIVE_H
#define GONET_TUNNEL_RECEIVE_H

#include "tunnel/wg/wg.h"

#endif
