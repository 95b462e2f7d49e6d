// SPDX-License-Identifier: MIT
/* x86_64 registers in the images: REC_REGS_X86_64 and REC_XSAVE. */
#include <string.h>

#include "arch.h"
#include "common/log.h"
#include "images/image.h"

_Static_assert(sizeof(struct rec_regs_x86_64) == sizeof(struct user_regs_struct),
	       "rec_regs_x86_64 mirrors user_regs_struct");

int arch_write_regs(struct img *core, const struct arch_regs *regs)
{
	int ret;

	ret = img_write(core, REC_REGS_X86_64, &regs->gp, sizeof(regs->gp));
	if (ret)
		return ret;
	return img_write(core, REC_XSAVE, regs->xsave, regs->xsave_len);
}

int arch_read_regs_rec(const struct img_rec *rec, struct arch_regs *regs)
{
	switch (rec->type) {
	case REC_REGS_X86_64:
		memcpy(&regs->gp, rec->data, sizeof(regs->gp));
		regs->have_gp = 1;
		return 1;
	case REC_XSAVE:
		if (rec->len > sizeof(regs->xsave))
			return -EINVAL;
		memcpy(regs->xsave, rec->data, rec->len);
		regs->xsave_len = rec->len;
		return 1;
	}
	return 0;
}

int arch_regs_complete(const struct arch_regs *regs, const char *image)
{
	if (!regs->have_gp || !regs->xsave_len) {
		pr_err("%s: registers missing", image);
		return -EINVAL;
	}
	return 0;
}
