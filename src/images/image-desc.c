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
    [IMG_KIND_INVENTORY] = {"inventory", false, false},
    [IMG_KIND_CORE] = {"core", true, false},
    [IMG_KIND_MM] = {"mm", true, false},
    [IMG_KIND_PAGEMAP] = {"pagemap", true, false},
    [IMG_KIND_PAGES] = {"pages", true, true},
    [IMG_KIND_FILES] = {"fds", true, false},
    [IMG_KIND_THREAD] = {"thread", true, false},
    [IMG_KIND_PSTREE] = {"pstree", false, false},
    [IMG_KIND_SHMEM] = {"shmem", false, false},
    [IMG_KIND_SHMEM_PAGES] = {"shmem-pages", false, true},
    [IMG_KIND_FILES_ALL] = {"files", false, false},
};

#define WIDTH_U32 4
#define WIDTH_I32 4
#define WIDTH_U64 8
#define WIDTH_HEX64 8
#define WIDTH_CHARS 1
#define WIDTH_PAD 1
#define WIDTH_IP6 16
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
    FIELD(rec_process, subreaper, U32), FIELD(rec_process, shares_files, U32),
    FIELD(rec_process, comm, CHARS),	END_FIELDS,
};

static const struct rec_field creds_fields[] = {
    FIELD(rec_creds, cap_inh, HEX64),	FIELD(rec_creds, cap_prm, HEX64),
    FIELD(rec_creds, cap_eff, HEX64),	FIELD(rec_creds, cap_bnd, HEX64),
    FIELD(rec_creds, cap_amb, HEX64),	FIELD(rec_creds, securebits, U32),
    FIELD(rec_creds, no_new_privs, U32), FIELD(rec_creds, dumpable, U32),
    FIELD(rec_creds, pad, PAD),		END_FIELDS,
};

static const struct rec_field seccomp_fields[] = {
    FIELD(rec_seccomp, mode, U32),
    FIELD(rec_seccomp, pad, PAD),
    END_FIELDS,
};

static const struct rec_field seccomp_filter_fields[] = {
    FIELD(rec_seccomp_filter, flags, U32),
    FIELD(rec_seccomp_filter, pad, PAD),
    END_FIELDS,
};

static const struct rec_field sched_fields[] = {
    FIELD(rec_sched, policy, U32),
    FIELD(rec_sched, priority, U32),
    FIELD(rec_sched, flags, HEX64),
    FIELD(rec_sched, nice, I32),
    FIELD(rec_sched, ioprio, U32),
    FIELD(rec_sched, runtime, U64),
    FIELD(rec_sched, deadline, U64),
    FIELD(rec_sched, period, U64),
    FIELD(rec_sched, timerslack_ns, U64),
    FIELD(rec_sched, cpus, HEX64),
    END_FIELDS,
};

static const struct rec_field posix_timer_fields[] = {
    FIELD(rec_posix_timer, id, I32),	   FIELD(rec_posix_timer, clock, I32),
    FIELD(rec_posix_timer, notify, U32),   FIELD(rec_posix_timer, signo, I32),
    FIELD(rec_posix_timer, sigval, HEX64), FIELD(rec_posix_timer, tid, U32),
    FIELD(rec_posix_timer, overrun, I32),  FIELD(rec_posix_timer, value_ns, U64),
    FIELD(rec_posix_timer, interval_ns, U64), END_FIELDS,
};

static const struct rec_field end_fields[] = {
    FIELD(rec_end, nr_records, U32),
    FIELD(rec_end, pad, PAD),
    END_FIELDS,
};

static const struct rec_field parent_run_fields[] = {
    FIELD(rec_parent_run, vaddr, HEX64),
    FIELD(rec_parent_run, nr_pages, U64),
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

static const struct rec_field shmem_fields[] = {
    FIELD(rec_shmem, dev, U64),	  FIELD(rec_shmem, ino, U64),
    FIELD(rec_shmem, size, U64),  FIELD(rec_shmem, kind, U32),
    FIELD(rec_shmem, seals, U32), FIELD(rec_shmem, mode, U32),
    FIELD(rec_shmem, pad, PAD),	  END_FIELDS,
};

static const struct rec_field shmem_run_fields[] = {
    FIELD(rec_shmem_run, obj_offset, U64),
    FIELD(rec_shmem_run, nr_pages, U64),
    FIELD(rec_shmem_run, offset, U64),
    END_FIELDS,
};

static const struct rec_field eventfd_fields[] = {
    FIELD(rec_eventfd, count, U64),
    FIELD(rec_eventfd, semaphore, U32),
    FIELD(rec_eventfd, pad, PAD),
    END_FIELDS,
};

static const struct rec_field signalfd_fields[] = {
    FIELD(rec_signalfd, sigmask, HEX64),
    END_FIELDS,
};

static const struct rec_field timerfd_fields[] = {
    FIELD(rec_timerfd, clockid, U32),	    FIELD(rec_timerfd, settime_flags, U32),
    FIELD(rec_timerfd, ticks, U64),	    FIELD(rec_timerfd, value_sec, U64),
    FIELD(rec_timerfd, interval_sec, U64),  FIELD(rec_timerfd, value_nsec, U32),
    FIELD(rec_timerfd, interval_nsec, U32), END_FIELDS,
};

static const struct rec_field epoll_tfd_fields[] = {
    FIELD(rec_epoll_tfd, tfd, U32),    FIELD(rec_epoll_tfd, target_id, U32),
    FIELD(rec_epoll_tfd, events, U32), FIELD(rec_epoll_tfd, pad, PAD),
    FIELD(rec_epoll_tfd, data, HEX64), END_FIELDS,
};

static const struct rec_field inotify_watch_fields[] = {
    FIELD(rec_inotify_watch, wd, U32),
    FIELD(rec_inotify_watch, mask, U32),
    END_FIELDS,
};

static const struct rec_field inet_sk_fields[] = {
    FIELD(rec_inet_sk, family, U32),	FIELD(rec_inet_sk, sock_type, U32),
    FIELD(rec_inet_sk, protocol, U32),	FIELD(rec_inet_sk, state, U32),
    FIELD(rec_inet_sk, src_addr, IP6),	FIELD(rec_inet_sk, dst_addr, IP6),
    FIELD(rec_inet_sk, src_port, U32),	FIELD(rec_inet_sk, dst_port, U32),
    FIELD(rec_inet_sk, src_scope, U32), FIELD(rec_inet_sk, dst_scope, U32),
    FIELD(rec_inet_sk, backlog, U32),	FIELD(rec_inet_sk, v6only, U32),
    FIELD(rec_inet_sk, tos, U32),	FIELD(rec_inet_sk, nodelay, U32),
    FIELD(rec_inet_sk, cork, U32),	FIELD(rec_inet_sk, keepidle, U32),
    FIELD(rec_inet_sk, keepintvl, U32), FIELD(rec_inet_sk, keepcnt, U32),
    END_FIELDS,
};

static const struct rec_field sockopts_fields[] = {
    FIELD(rec_sockopts, reuseaddr, U32),     FIELD(rec_sockopts, reuseport, U32),
    FIELD(rec_sockopts, keepalive, U32),     FIELD(rec_sockopts, broadcast, U32),
    FIELD(rec_sockopts, oobinline, U32),     FIELD(rec_sockopts, priority, U32),
    FIELD(rec_sockopts, mark, U32),	     FIELD(rec_sockopts, rcvlowat, U32),
    FIELD(rec_sockopts, sndbuf, U32),	     FIELD(rec_sockopts, rcvbuf, U32),
    FIELD(rec_sockopts, buf_lock, U32),	     FIELD(rec_sockopts, linger_on, U32),
    FIELD(rec_sockopts, linger_secs, U32),   FIELD(rec_sockopts, bound_ifindex, U32),
    FIELD(rec_sockopts, peek_off, I32),	     FIELD(rec_sockopts, pad, PAD),
    FIELD(rec_sockopts, rcvtimeo_us, U64),   FIELD(rec_sockopts, sndtimeo_us, U64),
    END_FIELDS,
};

static const struct rec_field tcp_conn_fields[] = {
    FIELD(rec_tcp_conn, send_seq, U32),	  FIELD(rec_tcp_conn, recv_seq, U32),
    FIELD(rec_tcp_conn, send_len, U32),	  FIELD(rec_tcp_conn, unsent_len, U32),
    FIELD(rec_tcp_conn, recv_len, U32),	  FIELD(rec_tcp_conn, mss, U32),
    FIELD(rec_tcp_conn, options, U32),	  FIELD(rec_tcp_conn, snd_wscale, U32),
    FIELD(rec_tcp_conn, rcv_wscale, U32), FIELD(rec_tcp_conn, timestamp, U32),
    FIELD(rec_tcp_conn, snd_wl1, U32),	  FIELD(rec_tcp_conn, snd_wnd, U32),
    FIELD(rec_tcp_conn, max_window, U32), FIELD(rec_tcp_conn, rcv_wnd, U32),
    FIELD(rec_tcp_conn, rcv_wup, U32),	  FIELD(rec_tcp_conn, pad, PAD),
    END_FIELDS,
};

static const struct rec_field inet_dgram_fields[] = {
    FIELD(rec_inet_dgram, src_addr, IP6),
    FIELD(rec_inet_dgram, src_port, U32),
    FIELD(rec_inet_dgram, pad, PAD),
    END_FIELDS,
};

static const struct rec_field file_more_fields[] = {
    FIELD(rec_file_more, id, U32),
    FIELD(rec_file_more, pad, PAD),
    END_FIELDS,
};

static const struct rec_field unix_sk_fields[] = {
    FIELD(rec_unix_sk, ino, U64),
    FIELD(rec_unix_sk, peer_ino, U64),
    FIELD(rec_unix_sk, rcvtimeo_us, U64),
    FIELD(rec_unix_sk, sndtimeo_us, U64),
    FIELD(rec_unix_sk, type, U32),
    FIELD(rec_unix_sk, peer, U32),
    FIELD(rec_unix_sk, shutdown, U32),
    FIELD(rec_unix_sk, flags, U32),
    FIELD(rec_unix_sk, backlog, U32),
    FIELD(rec_unix_sk, sndbuf, U32),
    FIELD(rec_unix_sk, rcvbuf, U32),
    FIELD(rec_unix_sk, peek_off, I32),
    FIELD(rec_unix_sk, file_mode, U32),
    FIELD(rec_unix_sk, file_uid, U32),
    FIELD(rec_unix_sk, file_gid, U32),
    FIELD(rec_unix_sk, pad, PAD),
    END_FIELDS,
};

static const struct rec_field unix_msg_fields[] = {
    FIELD(rec_unix_msg, flags, U32),
    FIELD(rec_unix_msg, addr_len, U32),
    END_FIELDS,
};

static const struct rec_field unix_pending_fields[] = {
    FIELD(rec_unix_pending, client_ino, U64),
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

static const struct rec_field file_owner_fields[] = {
    FIELD(rec_file_owner, type, U32),
    FIELD(rec_file_owner, pid, I32),
    FIELD(rec_file_owner, signum, U32),
    FIELD(rec_file_owner, pad, PAD),
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

#define FILTER_FIXED sizeof(struct rec_seccomp_filter)

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
    [REC_SECCOMP] = FIXED("seccomp", rec_seccomp, seccomp_fields),
    /* At least one instruction: a filter returns something. */
    [REC_SECCOMP_FILTER] = {"seccomp_filter", FILTER_FIXED, FILTER_FIXED + REC_BPF_INSN_SIZE,
			    FILTER_FIXED + REC_BPF_MAX_INSNS * REC_BPF_INSN_SIZE, TAIL_BPF,
			    "program", seccomp_filter_fields},
    [REC_SCHED] = FIXED("sched", rec_sched, sched_fields),
    [REC_POSIX_TIMER] = FIXED("posix_timer", rec_posix_timer, posix_timer_fields),
    /* The name: at least its NUL, at most the longest memfd name with it. */
    [REC_SHMEM] = {"shmem", sizeof(struct rec_shmem), sizeof(struct rec_shmem) + 1,
		   sizeof(struct rec_shmem) + REC_SHMEM_NAME_MAX + 1, TAIL_STR, "name",
		   shmem_fields},
    [REC_SHMEM_RUN] = FIXED("shmem_run", rec_shmem_run, shmem_run_fields),
    [REC_PARENT_RUN] = FIXED("parent_run", rec_parent_run, parent_run_fields),
    [REC_EVENTFD] = FIXED("eventfd", rec_eventfd, eventfd_fields),
    [REC_SIGNALFD] = FIXED("signalfd", rec_signalfd, signalfd_fields),
    [REC_TIMERFD] = FIXED("timerfd", rec_timerfd, timerfd_fields),
    [REC_EPOLL_TFD] = FIXED("epoll_tfd", rec_epoll_tfd, epoll_tfd_fields),
    [REC_INOTIFY_WATCH] =
	WITH_PATH("inotify_watch", rec_inotify_watch, "path", inotify_watch_fields),
    [REC_INET_SK] = FIXED("inet_sk", rec_inet_sk, inet_sk_fields),
    [REC_SOCKOPTS] = FIXED("sockopts", rec_sockopts, sockopts_fields),
    [REC_TCP_CONN] = FIXED("tcp_conn", rec_tcp_conn, tcp_conn_fields),
    [REC_TCP_SEND_DATA] = {"tcp_send_data", 0, 1, REC_TCP_DATA_MAX, TAIL_BYTES, "data", NULL},
    [REC_TCP_RECV_DATA] = {"tcp_recv_data", 0, 1, REC_TCP_DATA_MAX, TAIL_BYTES, "data", NULL},
    /* A datagram may be empty: the tail is then nothing. */
    [REC_INET_DGRAM] = {"inet_dgram", sizeof(struct rec_inet_dgram), sizeof(struct rec_inet_dgram),
			sizeof(struct rec_inet_dgram) + REC_INET_DGRAM_MAX, TAIL_BYTES, "data",
			inet_dgram_fields},
    [REC_FILE_MORE] = FIXED("file_more", rec_file_more, file_more_fields),
    [REC_UNIX_SK] = {"unix_sk", sizeof(struct rec_unix_sk), sizeof(struct rec_unix_sk),
		     sizeof(struct rec_unix_sk) + REC_UNIX_NAME_MAX, TAIL_CHARS, "name",
		     unix_sk_fields},
    [REC_UNIX_PEER_NAME] = {"unix_peer_name", 0, 1, REC_UNIX_NAME_MAX, TAIL_CHARS, "name", NULL},
    [REC_UNIX_MSG] = {"unix_msg", sizeof(struct rec_unix_msg), sizeof(struct rec_unix_msg),
		      REC_MAX_PAYLOAD, TAIL_BYTES, "data", unix_msg_fields},
    [REC_UNIX_PENDING] = FIXED("unix_pending", rec_unix_pending, unix_pending_fields),
    [REC_GHOST_FILE] = WITH_PATH("ghost_file", rec_ghost_file, "path", ghost_file_fields),
    [REC_GHOST_DATA] = {"ghost_data", 0, 1, REC_GHOST_DATA_MAX, TAIL_BYTES, "data", NULL},
    [REC_LINK_REMAP] = {"link_remap", 0, 1, PATH_MAX, TAIL_STR, "path", NULL},
    [REC_FILE_LOCK] = FIXED("file_lock", rec_file_lock, file_lock_fields),
    [REC_PTY] = FIXED("pty", rec_pty, pty_fields),
    [REC_PTY_DATA] = {"pty_data", 0, 1, REC_PTY_DATA_MAX, TAIL_BYTES, "data", NULL},
    [REC_FILE_OWNER] = FIXED("file_owner", rec_file_owner, file_owner_fields),
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
