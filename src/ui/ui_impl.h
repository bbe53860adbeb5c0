/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui_impl.h — the front-end vtable; only ui*.c include this. */
#ifndef GONET_UI_IMPL_H
#define GONET_UI_IMPL_H

#include "src/ui/ui.h"

struct ui_ops {
	void (*emit)(struct ui *, const struct ui_event *);
	void (*set_prompt)(struct ui *, const char *);
	void (*pause)(struct ui *, int);	/* NULL: input is never paused */
	void (*free)(struct ui *);
};

/* Every front end's struct starts with this. */
struct ui {
	const struct ui_ops *ops;
	struct ui_input in;
};

#endif
