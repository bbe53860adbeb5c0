/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui.c — dispatch to the front end chosen at start-up. */
#include "config.h"

#include <stdlib.h>

#include "src/ui/ui.h"
#include "src/ui/ui_impl.h"

void
ui_emit(struct ui *ui, const struct ui_event *ev)
{
	if (ui != NULL)
		ui->ops->emit(ui, ev);
}

void
ui_set_prompt(struct ui *ui, const char *prompt)
{
	if (ui != NULL && ui->ops->set_prompt != NULL)
		ui->ops->set_prompt(ui, prompt);
}

void
ui_pause_input(struct ui *ui, int pause)
{
	if (ui != NULL && ui->ops->pause != NULL)
		ui->ops->pause(ui, pause);
}

void
ui_free(struct ui *ui)
{
	if (ui != NULL)
		ui->ops->free(ui);
}
