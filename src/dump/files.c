// SPDX-License-Identifier: MIT
/*
 * fds-PID.img and files.img. Each descriptor is described from outside (/proc/PID/fd links,
 * fdinfo for offset and flags); the open file description behind it is found among those already
 * seen, in this process or another of the tree, with kcmp, so that descriptors sharing one (dup,
 * 2>&1, inherited at fork, passed over a socket) share it again after restore. A file that names
 * others (an epoll instance its targets) has them written before its own record. A kind cryo
 * cannot restore fails the dump, naming the descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/major.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "dump/files.h"

static const struct file_dumper dumpers[FILE_KIND_MAX] = {
    [FILE_REGULAR] = {"regular file", NULL, dump_regular_file},
    [FILE_DIRECTORY] = {"directory", NULL, dump_path_file},
    [FILE_CHARDEV] = {"character device", NULL, dump_path_file},
    [FILE_PIPE] = {"pipe", NULL, dump_pipe},
    [FILE_FIFO] = {"named FIFO", NULL, dump_fifo},
    [FILE_GHOST] = {"deleted file", NULL, dump_ghost},
    [FILE_PTY] = {"pty master", NULL, dump_pty},
    [FILE_EVENTFD] = {"eventfd", NULL, dump_eventfd},
    [FILE_SIGNALFD] = {"signalfd", NULL, dump_signalfd},
    [FILE_TIMERFD] = {"timerfd", NULL, dump_timerfd},
    [FILE_EPOLL] = {"epoll", add_epoll_targets, dump_epoll},
    [FILE_INOTIFY] = {"inotify", NULL, dump_inotify},
    /* Its object and content are in shmem.img: the file names it by dev and ino. */
    [FILE_MEMFD] = {"memfd", NULL, dump_path_file},
    [FILE_INET] = {"inet socket", NULL, dump_inet},
    [FILE_UNIX_SK] = {"unix socket", NULL, dump_unix_sk, unix_sk_begin, unix_sk_end},
};

/* Files with no inode of their own: /proc/PID/fd/N says "anon_inode:NAME". */
static const struct {
	const char *link;
	uint32_t kind;
} anon_kinds[] = {
    {"anon_inode:[eventfd]", FILE_EVENTFD}, {"anon_inode:[signalfd]", FILE_SIGNALFD},
    {"anon_inode:[timerfd]", FILE_TIMERFD}, {"anon_inode:[eventpoll]", FILE_EPOLL},
    {"anon_inode:inotify", FILE_INOTIFY},
};

/* An open file description already written, and one descriptor that has it. */
struct known_file {
	dev_t dev;
	ino_t ino;
	pid_t pid;
	int fd;
	uint32_t id;
};

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int list_fds(pid_t pid, int **fds, size_t *nr)
{
	char path[64];
	struct dirent *de;
	size_t cap = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return pr_perror("cannot open %s", path);
	*fds = NULL;
	*nr = 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (*nr == cap) {
			int *grown = realloc(*fds, (cap = cap * 2 + 16) * sizeof(int));

			if (!grown) {
				closedir(dir);
				return -ENOMEM;
			}
			*fds = grown;
		}
		(*fds)[(*nr)++] = atoi(de->d_name);
	}
	closedir(dir);
	qsort(*fds, *nr, sizeof(int), cmp_int);
	return 0;
}

static int unsupported(const struct dump_fd *d, const char *what)
{
	pr_err("fd %d of %d is %s (%s): not supported yet", d->fd, d->pid, d->link, what);
	return -ENOTSUP;
}

static int anon_kind(const struct dump_fd *d, uint32_t *kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(anon_kinds); i++) {
		if (!strcmp(d->link, anon_kinds[i].link)) {
			*kind = anon_kinds[i].kind;
			return 0;
		}
	}
	return unsupported(d, "an anonymous inode or another special file");
}

/* A socket's family is its kind; cryo asks the socket itself, through its own copy. */
static int socket_kind(const struct dump_fd *d, uint32_t *kind)
{
	int sk = grab_file(d), domain = -1;
	socklen_t len = sizeof(domain);

	if (sk < 0)
		return sk;
	if (getsockopt(sk, SOL_SOCKET, SO_DOMAIN, &domain, &len))
		domain = pr_perror("cannot read the family of socket fd %d of %d", d->fd, d->pid);
	close(sk);
	if (domain == AF_INET || domain == AF_INET6) {
		*kind = FILE_INET;
		return 0;
	}
	if (domain == AF_UNIX) {
		*kind = FILE_UNIX_SK;
		return unix_sk_known(d);
	}
	if (domain < 0)
		return domain;
	pr_err("fd %d of %d is a socket of family %d (%s): not supported yet", d->fd, d->pid,
	       domain, d->link);
	return -ENOTSUP;
}

static int file_kind(const struct dump_fd *d, uint32_t *kind)
{
	if (fd_is_memfd(&d->st, d->link)) {
		*kind = FILE_MEMFD;
		return 0;
	}
	switch (d->st.st_mode & S_IFMT) {
	case S_IFREG:
		/* Deleted, and no other link: only its content can bring it back. */
		*kind = d->st.st_nlink == 0 ? FILE_GHOST : FILE_REGULAR;
		return 0;
	case S_IFDIR:
		*kind = FILE_DIRECTORY;
		break;
	case S_IFCHR:
		/* /dev/ptmx, or /dev/pts/ptmx: its open file description is a pty master. */
		*kind = d->st.st_rdev == makedev(TTYAUX_MAJOR, 2) ? FILE_PTY : FILE_CHARDEV;
		break;
	case S_IFIFO:
		*kind = strncmp(d->link, "pipe:[", 6) ? FILE_FIFO : FILE_PIPE;
		return 0;
	case S_IFSOCK:
		return socket_kind(d, kind);
	default:
		return anon_kind(d, kind);
	}
	if (path_removed(d))
		return unsupported(d, "deleted");
	return 0;
}

static int describe_fd(pid_t pid, int fd, struct dump_fd *d)
{
	char link[64];
	int ret;

	d->pid = pid;
	d->fd = fd;
	snprintf(link, sizeof(link), "fd/%d", fd);
	ret = proc_readlink(pid, link, d->link, sizeof(d->link));
	if (ret)
		return ret;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid, fd);
	if (stat(link, &d->st))
		return pr_perror("cannot stat fd %d of %d (%s)", fd, pid, d->link);
	return proc_parse_fdinfo(pid, fd, &d->fi);
}

/* The id of the open file description of d, if one seen before has it; 0 if none. */
static uint32_t find_known(const struct file_table *files, struct dump_fd *d)
{
	size_t i;

	d->inode_seen = 0;
	for (i = 0; i < files->nr; i++) {
		const struct known_file *k = &files->known[i];

		/* Same inode first: kcmp only where it can say yes. */
		if (k->dev != d->st.st_dev || k->ino != d->st.st_ino)
			continue;
		d->inode_seen = 1;
		if (syscall(SYS_kcmp, k->pid, d->pid, KCMP_FILE, k->fd, d->fd) == 0)
			return k->id;
	}
	return 0;
}

/* A new open file description: its `file` record, its family's, and it is known from now on. */
static int add_file(struct file_table *files, struct dump_fd *d, uint32_t *id)
{
	struct known_file *grown;
	struct rec_file rec = {
	    .open_flags = d->fi.flags & ~O_CLOEXEC,
	    .pos = d->fi.pos,
	};
	int ret;

	ret = file_kind(d, &rec.kind);
	if (!ret && dumpers[rec.kind].add_refs)
		ret = dumpers[rec.kind].add_refs(d, files);
	if (ret)
		return ret;
	/* From here on no other file may be added before this one is known. */
	rec.id = files->nr + 1;
	d->file_id = rec.id;
	ret = img_write(&files->img, REC_FILE, &rec, sizeof(rec));
	if (!ret)
		ret = dumpers[rec.kind].dump(d, files);
	if (!ret)
		ret = dump_file_owner(d, &files->img);
	if (!ret)
		ret = dump_description_locks(d, &files->img);
	if (ret)
		return ret;
	grown = realloc(files->known, (files->nr + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	files->known = grown;
	grown[files->nr++] = (struct known_file){d->st.st_dev, d->st.st_ino, d->pid, d->fd, rec.id};
	*id = rec.id;
	return 0;
}

/* The id of the open file description of d, a new one written first. */
static int file_id(struct file_table *files, struct dump_fd *d, uint32_t *id)
{
	*id = find_known(files, d);
	return *id ? 0 : add_file(files, d, id);
}

int file_id_at(struct file_table *files, pid_t pid, int fd, uint32_t *id)
{
	struct dump_fd d;
	int ret;

	ret = describe_fd(pid, fd, &d);
	return ret ? ret : file_id(files, &d, id);
}

int find_fd(const struct file_table *files, fd_match_fn match, const void *arg, pid_t *pid, int *fd)
{
	size_t i, j, nr;
	int *fds, found = 0, ret;

	for (i = 0; i < files->tree->nr_procs && !found; i++) {
		*pid = files->tree->procs[i].pid;
		ret = list_fds(*pid, &fds, &nr);
		if (ret)
			return ret;
		for (j = 0; j < nr && !found; j++) {
			found = match(*pid, fds[j], arg) == 1;
			*fd = fds[j];
		}
		free(fds);
	}
	return found ? 0 : -ENOENT;
}

/* An fd of the process before the i-th has the same open file description. */
static int seen_in_process(const uint32_t *ids, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (ids[j] == ids[i])
			return 1;
	return 0;
}

static int write_fd(struct img *img, struct file_table *files, pid_t pid, int fd, uint32_t *ids,
		    size_t i)
{
	struct rec_fd rec = {.fd = fd};
	struct dump_fd d;
	int ret;

	ret = describe_fd(pid, fd, &d);
	if (!ret)
		ret = check_fd_locks(&d, files->opts);
	if (!ret)
		ret = file_id(files, &d, &rec.file_id);
	if (ret)
		return ret;
	rec.fd_flags = d.fi.flags & O_CLOEXEC ? FD_CLOEXEC : 0;
	ret = img_write(img, REC_FD, &rec, sizeof(rec));
	ids[i] = rec.file_id;
	/* fdinfo shows the process's POSIX locks under every fd of the description. */
	if (!ret && !seen_in_process(ids, i))
		ret = dump_posix_locks(&d, img);
	return ret;
}

static int write_fds(struct img *img, struct file_table *files, pid_t pid, const int *fds,
		     size_t nr)
{
	uint32_t *ids = calloc(nr + 1, sizeof(*ids));
	size_t i;
	int ret = ids ? 0 : -ENOMEM;

	for (i = 0; i < nr && !ret; i++)
		ret = write_fd(img, files, pid, fds[i], ids, i);
	free(ids);
	return ret;
}

int dump_files(struct dump_task *t, struct file_table *files)
{
	size_t nr = 0;
	int *fds = NULL, ret;
	struct img img;

	ret = list_fds(t->pid, &fds, &nr);
	if (!ret)
		ret = img_create(t->dirfd, IMG_KIND_FILES, t->pid, &img);
	if (!ret)
		ret = img_finish(&img, write_fds(&img, files, t->pid, fds, nr));
	free(fds);
	return ret;
}

int files_write_more(struct img *img, uint32_t id)
{
	struct rec_file_more rec = {.id = id};

	return img_write(img, REC_FILE_MORE, &rec, sizeof(rec));
}

int files_begin(struct file_table *files, const struct dump_opts *opts,
		const struct dump_tree *tree)
{
	uint32_t kind;
	int ret;

	memset(files, 0, sizeof(*files));
	files->opts = opts;
	files->tree = tree;
	ret = img_create(opts->dirfd, IMG_KIND_FILES_ALL, 0, &files->img);
	files->img_open = !ret;
	/* files_end() ends every family, begun or not. */
	for (kind = 0; kind < FILE_KIND_MAX && !ret; kind++)
		if (dumpers[kind].begin)
			ret = dumpers[kind].begin(opts, tree);
	return ret;
}

int files_end(struct file_table *files, int ret)
{
	uint32_t kind;

	for (kind = 0; kind < FILE_KIND_MAX; kind++)
		if (dumpers[kind].end)
			ret = dumpers[kind].end(&files->img, ret);
	if (files->img_open)
		ret = img_finish(&files->img, ret);
	free(files->known);
	return ret;
}
