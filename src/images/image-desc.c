// SPDX-License-Identifier: MIT
/*
 * Every image kind and record type, described once: sizes and bounds for the codec, field names
 * and formats for `cryo show`. The fields of each struct are listed in order, pads included, so
 * that the unit test can check they account for every byte of it.
 */
#include <limits.h>
#include <stddef.h>

#include "image-desc.h"
#include "records.h"

static const struct img_kind_desc kinds[IMG_KIND_MAX] = {
    [IMG_KIND_INVENTORY] = {"inventory", false},
    [IMG_KIND_CORE] = {"core", true},
    [IMG_KIND_MM] = {"mm", true},
    [IMG_KIND_PAGEMAP] = {"pagemap", true},
    [IMG_KIND_PAGES] = {"pages", true},
    [IMG_KIND_FILES] = {"fds", true},
    [IMG_KIND_THREAD] = {"thread", true},
    [IMG_KIND_PSTREE] = {"pstree", false},
    [IMG_KIND_FILES_ALL] = {"files", false},
};

#define WIDTH_U32 4
#define WIDTH_I32 4
#define WIDTH_U64 8
#define WIDTH_HEX64 8
#define WIDTH_CHARS 1
#define WIDTH_PAD 1
/* The count comes from the member itself, so a field cannot be described with the wrong size. */
#define MEMBER_COUNT(type, member, width) (sizeof(((struct type *)0)->member) / (width))
// clang-format off
#define FIELD(type, member, fmt)                                                                   \
	{ #member, offsetof(struct type, member), MEMBER_COUNT(type, member, WIDTH_##fmt),          \
	  WIDTH_##fmt, FMT_##fmt }
#define END_FIELDS { NULL, 0, 0, 0, 0 }
// clang-format on

static const struct rec_field inventory_fields[] = {
    FIELD(rec_inventory, arch, U32),	  FIELD(rec_inventory, root_pid, U32),
    FIELD(rec_inventory, nr_tasks, U32),  FIELD(rec_inventory, page_size, U32),
    FIELD(rec_inventory, dump_time, U64), END_FIELDS,
};

static const struct rec_field task_fields[] = {
    FIELD(rec_task, pid, U32),	  FIELD(rec_task, ppid, U32),
    FIELD(rec_task, pgid, U32),	  FIELD(rec_task, sid, U32),
    FIELD(rec_task, uid, U32),	  FIELD(rec_task, gid, U32),
    FIELD(rec_task, umask, U32),  FIELD(rec_task, personality, U32),
    FIELD(rec_task, comm, CHARS), END_FIELDS,
};

static const struct rec_field regs_x86_64_fields[] = {
    FIELD(rec_regs_x86_64, r15, HEX64),	    FIELD(rec_regs_x86_64, r14, HEX64),
    FIELD(rec_regs_x86_64, r13, HEX64),	    FIELD(rec_regs_x86_64, r12, HEX64),
    FIELD(rec_regs_x86_64, rbp, HEX64),	    FIELD(rec_regs_x86_64, rbx, HEX64),
    FIELD(rec_regs_x86_64, r11, HEX64),	    FIELD(rec_regs_x86_64, r10, HEX64),
    FIELD(rec_regs_x86_64, r9, HEX64),	    FIELD(rec_regs_x86_64, r8, HEX64),
    FIELD(rec_regs_x86_64, rax, HEX64),	    FIELD(rec_regs_x86_64, rcx, HEX64),
    FIELD(rec_regs_x86_64, rdx, HEX64),	    FIELD(rec_regs_x86_64, rsi, HEX64),
    FIELD(rec_regs_x86_64, rdi, HEX64),	    FIELD(rec_regs_x86_64, orig_rax, HEX64),
    FIELD(rec_regs_x86_64, rip, HEX64),	    FIELD(rec_regs_x86_64, cs, HEX64),
    FIELD(rec_regs_x86_64, eflags, HEX64),  FIELD(rec_regs_x86_64, rsp, HEX64),
    FIELD(rec_regs_x86_64, ss, HEX64),	    FIELD(rec_regs_x86_64, fs_base, HEX64),
    FIELD(rec_regs_x86_64, gs_base, HEX64), FIELD(rec_regs_x86_64, ds, HEX64),
    FIELD(rec_regs_x86_64, es, HEX64),	    FIELD(rec_regs_x86_64, fs, HEX64),
    FIELD(rec_regs_x86_64, gs, HEX64),	    END_FIELDS,
};

static const struct rec_field sigaction_fields[] = {
    FIELD(rec_sigaction, signo, U32),
    FIELD(rec_sigaction, pad, PAD),
    FIELD(rec_sigaction, handler, HEX64),
    FIELD(rec_sigaction, flags, HEX64),
    FIELD(rec_sigaction, restorer, HEX64),
    FIELD(rec_sigaction, mask, HEX64),
    END_FIELDS,
};

static const struct rec_field sigstate_fields[] = {
    FIELD(rec_sigstate, blocked, HEX64), FIELD(rec_sigstate, ss_sp, HEX64),
    FIELD(rec_sigstate, ss_size, U64),	 FIELD(rec_sigstate, ss_flags, U32),
    FIELD(rec_sigstate, pad, PAD),	 END_FIELDS,
};

static const struct rec_field itimer_fields[] = {
    FIELD(rec_itimer, which, U32),
    FIELD(rec_itimer, pad, PAD),
    FIELD(rec_itimer, interval_us, U64),
    FIELD(rec_itimer, value_us, U64),
    END_FIELDS,
};

static const struct rec_field rlimit_fields[] = {
    FIELD(rec_rlimit, resource, U32),
    FIELD(rec_rlimit, pad, PAD),
    FIELD(rec_rlimit, cur, U64),
    FIELD(rec_rlimit, max, U64),
    END_FIELDS,
};

static const struct rec_field rseq_fields[] = {
    FIELD(rec_rseq, addr, HEX64),
    FIELD(rec_rseq, len, U32),
    FIELD(rec_rseq, sig, U32),
    END_FIELDS,
};

static const struct rec_field path_fields[] = {
    FIELD(rec_path, kind, U32),
    FIELD(rec_path, pad, PAD),
    END_FIELDS,
};

static const struct rec_field mm_fields[] = {
    FIELD(rec_mm, start_code, HEX64),  FIELD(rec_mm, end_code, HEX64),
    FIELD(rec_mm, start_data, HEX64),  FIELD(rec_mm, end_data, HEX64),
    FIELD(rec_mm, start_brk, HEX64),   FIELD(rec_mm, brk, HEX64),
    FIELD(rec_mm, start_stack, HEX64), FIELD(rec_mm, arg_start, HEX64),
    FIELD(rec_mm, arg_end, HEX64),     FIELD(rec_mm, env_start, HEX64),
    FIELD(rec_mm, env_end, HEX64),     END_FIELDS,
};

static const struct rec_field vma_fields[] = {
    FIELD(rec_vma, start, HEX64), FIELD(rec_vma, end, HEX64),
    FIELD(rec_vma, pgoff, U64),	  FIELD(rec_vma, kind, U32),
    FIELD(rec_vma, prot, U32),	  FIELD(rec_vma, flags, U32),
    FIELD(rec_vma, pad, PAD),	  FIELD(rec_vma, dev, U64),
    FIELD(rec_vma, ino, U64),	  END_FIELDS,
};

static const struct rec_field thread_fields[] = {
    FIELD(rec_thread, tid, U32),	       FIELD(rec_thread, pdeathsig, U32),
    FIELD(rec_thread, clear_tid, HEX64),   FIELD(rec_thread, robust_list, HEX64),
    FIELD(rec_thread, robust_len, U64),    FIELD(rec_thread, comm, CHARS),
    END_FIELDS,
};

static const struct rec_field process_fields[] = {
    FIELD(rec_process, pid, U32),    FIELD(rec_process, ppid, U32),
    FIELD(rec_process, pgid, U32),   FIELD(rec_process, sid, U32),
    FIELD(rec_process, zombie, U32), FIELD(rec_process, exit_status, U32),
    FIELD(rec_process, subreaper, U32), END_FIELDS,
};

static const struct rec_field creds_fields[] = {
    FIELD(rec_creds, cap_inh, HEX64),	FIELD(rec_creds, cap_prm, HEX64),
    FIELD(rec_creds, cap_eff, HEX64),	FIELD(rec_creds, cap_bnd, HEX64),
    FIELD(rec_creds, cap_amb, HEX64),	FIELD(rec_creds, securebits, U32),
    FIELD(rec_creds, no_new_privs, U32), FIELD(rec_creds, dumpable, U32),
    FIELD(rec_creds, pad, PAD),		END_FIELDS,
};

static const struct rec_field end_fields[] = {
    FIELD(rec_end, nr_records, U32),
    FIELD(rec_end, pad, PAD),
    END_FIELDS,
};

static const struct rec_field page_run_fields[] = {
    FIELD(rec_page_run, vaddr, HEX64),
    FIELD(rec_page_run, nr_pages, U64),
    FIELD(rec_page_run, offset, U64),
    END_FIELDS,
};

static const struct rec_field fd_fields[] = {
    FIELD(rec_fd, fd, U32),	 FIELD(rec_fd, fd_flags, U32),
    FIELD(rec_fd, file_id, U32), FIELD(rec_fd, pad, PAD),
    END_FIELDS,
};

static const struct rec_field file_fields[] = {
    FIELD(rec_file, id, U32),  FIELD(rec_file, kind, U32), FIELD(rec_file, open_flags, U32),
    FIELD(rec_file, pad, PAD), FIELD(rec_file, pos, U64), END_FIELDS,
};

static const struct rec_field path_file_fields[] = {
    FIELD(rec_path_file, size, U64), FIELD(rec_path_file, dev, U64),
    FIELD(rec_path_file, ino, U64),  FIELD(rec_path_file, mode, U32),
    FIELD(rec_path_file, rdev, U32), END_FIELDS,
};

static const struct rec_field pipe_fields[] = {
    FIELD(rec_pipe, pipe_ino, U64),
    FIELD(rec_pipe, capacity, U32),
    FIELD(rec_pipe, pad, PAD),
    END_FIELDS,
};

static const struct rec_field ghost_file_fields[] = {
    FIELD(rec_ghost_file, size, U64),
    FIELD(rec_ghost_file, dev, U64),
    FIELD(rec_ghost_file, ino, U64),
    FIELD(rec_ghost_file, mode, U32),
    FIELD(rec_ghost_file, uid, U32),
    FIELD(rec_ghost_file, gid, U32),
    FIELD(rec_ghost_file, mtime_nsec, U32),
    FIELD(rec_ghost_file, mtime_sec, U64),
    END_FIELDS,
};

static const struct rec_field file_lock_fields[] = {
    FIELD(rec_file_lock, kind, U32),
    FIELD(rec_file_lock, write, U32),
    FIELD(rec_file_lock, start, U64),
    FIELD(rec_file_lock, len, U64),
    END_FIELDS,
};

static const struct rec_field pty_fields[] = {
    FIELD(rec_pty, index, U32),	    FIELD(rec_pty, locked, U32),     FIELD(rec_pty, slave_uid, U32),
    FIELD(rec_pty, slave_gid, U32), FIELD(rec_pty, slave_mode, U32), FIELD(rec_pty, sid, U32),
    FIELD(rec_pty, fg_pgid, U32),   FIELD(rec_pty, line, U32),	     FIELD(rec_pty, iflag, U32),
    FIELD(rec_pty, oflag, U32),	    FIELD(rec_pty, cflag, U32),	     FIELD(rec_pty, lflag, U32),
    FIELD(rec_pty, ispeed, U32),    FIELD(rec_pty, ospeed, U32),     FIELD(rec_pty, rows, U32),
    FIELD(rec_pty, cols, U32),	    FIELD(rec_pty, xpixel, U32),     FIELD(rec_pty, ypixel, U32),
    FIELD(rec_pty, cc, CHARS),	    FIELD(rec_pty, packet, U32),     END_FIELDS,
};

/* A record that is its struct and nothing more. */
#define FIXED(name, type, fields)                                                                  \
	{                                                                                          \
		name, sizeof(struct type), sizeof(struct type), sizeof(struct type), TAIL_NONE,    \
		    NULL, fields                                                                   \
	}
/* A struct then a path: at least the NUL, at most PATH_MAX bytes with it. */
#define WITH_PATH(name, type, tail_name, fields)                                                   \
	{                                                                                          \
		name, sizeof(struct type), sizeof(struct type) + 1,                                \
		    sizeof(struct type) + PATH_MAX, TAIL_STR, tail_name, fields                    \
	}

static const struct rec_desc recs[REC_TYPE_MAX] = {
    [REC_INVENTORY] = FIXED("inventory", rec_inventory, inventory_fields),
    [REC_TASK] = FIXED("task", rec_task, task_fields),
    [REC_REGS_X86_64] = FIXED("regs_x86_64", rec_regs_x86_64, regs_x86_64_fields),
    /* The legacy FXSAVE area alone is 512 bytes; XSAVE adds a header and components. */
    [REC_XSAVE] = {"xsave", 0, 512, REC_XSAVE_MAX, TAIL_BYTES, "data", NULL},
    [REC_SIGACTION] = FIXED("sigaction", rec_sigaction, sigaction_fields),
    [REC_SIGSTATE] = FIXED("sigstate", rec_sigstate, sigstate_fields),
    [REC_ITIMER] = FIXED("itimer", rec_itimer, itimer_fields),
    [REC_RLIMIT] = FIXED("rlimit", rec_rlimit, rlimit_fields),
    [REC_RSEQ] = FIXED("rseq", rec_rseq, rseq_fields),
    [REC_PATH] = WITH_PATH("path", rec_path, "path", path_fields),
    [REC_MM] = FIXED("mm", rec_mm, mm_fields),
    /* At least the AT_NULL pair that ends every auxiliary vector. */
    [REC_AUXV] = {"auxv", 0, 16, REC_AUXV_MAX, TAIL_U64_PAIRS, "auxv", NULL},
    [REC_VMA] = WITH_PATH("vma", rec_vma, "name", vma_fields),
    [REC_PAGE_RUN] = FIXED("page_run", rec_page_run, page_run_fields),
    [REC_FD] = FIXED("fd", rec_fd, fd_fields),
    [REC_END] = FIXED("end", rec_end, end_fields),
    [REC_GROUPS] = {"groups", 0, 0, REC_GROUPS_MAX * 4, TAIL_U32S, "gids", NULL},
    [REC_THREAD] = FIXED("thread", rec_thread, thread_fields),
    [REC_TIDS] = {"tids", 0, 4, REC_TIDS_MAX * 4, TAIL_U32S, "tids", NULL},
    [REC_PROCESS] = FIXED("process", rec_process, process_fields),
    [REC_SIGINFO] = {"siginfo", 0, 128, 128, TAIL_BYTES, "info", NULL},
    [REC_CREDS] = FIXED("creds", rec_creds, creds_fields),
    [REC_FILE] = FIXED("file", rec_file, file_fields),
    [REC_PATH_FILE] = WITH_PATH("path_file", rec_path_file, "path", path_file_fields),
    [REC_PIPE] = FIXED("pipe", rec_pipe, pipe_fields),
    [REC_PIPE_DATA] = {"pipe_data", 0, 1, REC_PIPE_DATA_MAX, TAIL_BYTES, "data", NULL},
    [REC_GHOST_FILE] = WITH_PATH("ghost_file", rec_ghost_file, "path", ghost_file_fields),
    [REC_GHOST_DATA] = {"ghost_data", 0, 1, REC_GHOST_DATA_MAX, TAIL_BYTES, "data", NULL},
    [REC_LINK_REMAP] = {"link_remap", 0, 1, PATH_MAX, TAIL_STR, "path", NULL},
    [REC_FILE_LOCK] = FIXED("file_lock", rec_file_lock, file_lock_fields),
    [REC_PTY] = FIXED("pty", rec_pty, pty_fields),
    [REC_PTY_DATA] = {"pty_data", 0, 1, REC_PTY_DATA_MAX, TAIL_BYTES, "data", NULL},
};

const struct rec_desc *rec_desc(uint32_t type)
{
	if (type >= REC_TYPE_MAX || !recs[type].name)
		return NULL;
	return &recs[type];
}

const struct img_kind_desc *img_kind_desc(uint32_t kind)
{
	if (kind >= IMG_KIND_MAX || !kinds[kind].name)
		return NULL;
	return &kinds[kind];
}
