// SPDX-License-Identifier: MIT
/*
 * Parsers of /proc/PID/{smaps,stat,status,fdinfo/FD,timers,mountinfo}, with the fdinfo lines of
 * anonymous-inode files (eventfd, signalfd, timerfd, epoll, inotify).
 *
 * Every parser works on a private NUL-terminated copy of the text, which it cuts into lines and
 * blank-separated tokens in place. The text is checked first: a /proc file is never empty, holds
 * no NUL byte and ends with a newline, so a missing final newline means the text was cut short.
 * Every number goes through parse_number(), which refuses signs, prefixes, trailing garbage and
 * values out of range. A result is handed back only when the whole text parsed.
 */
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "dump/proc_parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every page size Linux uses is a multiple of 4096, so VMA bounds are always aligned to it. */
#define VMA_ALIGN 4096u

/* proc(5) numbers the fields of /proc/PID/stat from 1; the last one cryo reads is exit_code. */
#define STAT_NR_FIELDS 52

/* What is being parsed, for error messages: "/proc/42/smaps" (or "smaps" for a buffer). */
struct parse_ctx {
	const char *what;
	unsigned int line; /* 0: the message is about the whole text */
};

/* A parser of a whole text, checked and NUL-terminated; it fills *out only on success. */
typedef int (*text_parser)(struct parse_ctx *c, char *text, void *out);

static int parse_error(const struct parse_ctx *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log one line naming the file and the line, and return err. */
static int parse_error(const struct parse_ctx *c, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->line)
		pr_err("%s line %u: %s", c->what, c->line, msg);
	else
		pr_err("%s: %s", c->what, msg);
	return err;
}

/* ---- text, lines, tokens, numbers ------------------------------------------------------------ */

static int check_text(const struct parse_ctx *c, const char *text, size_t len)
{
	const char *nul;

	if (!len)
		return parse_error(c, -EINVAL, "empty");
	nul = memchr(text, '\0', len);
	if (nul)
		return parse_error(c, -EINVAL, "NUL byte at offset %td", nul - text);
	if (text[len - 1] != '\n')
		return parse_error(c, -EINVAL, "no newline at the end (cut short?)");
	return 0;
}

/* text[len] is '\0' and text may be modified. */
static int parse_text(const char *what, char *text, size_t len, text_parser parse, void *out)
{
	struct parse_ctx c = {.what = what};
	int ret;

	ret = check_text(&c, text, len);
	if (ret)
		return ret;
	return parse(&c, text, out);
}

/* buf[0..len) only: it need not be NUL-terminated. */
static int parse_buf(const char *what, const char *buf, size_t len, text_parser parse, void *out)
{
	char *text;
	int ret;

	text = malloc(len + 1);
	if (!text) {
		pr_err("%s: cannot allocate %zu bytes", what, len + 1);
		return -ENOMEM;
	}
	if (len)
		memcpy(text, buf, len);
	text[len] = '\0';
	ret = parse_text(what, text, len, parse, out);
	free(text);
	return ret;
}

static int parse_path(const char *path, text_parser parse, void *out)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = proc_read_file(path, &text, &len);
	if (ret)
		return ret;
	ret = parse_text(path, text, len, parse, out);
	free(text);
	return ret;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n';
}

static char *skip_blanks(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* Cut the next blank-separated token out of *cursor; NULL when none is left. */
static char *next_token(char **cursor)
{
	char *start = skip_blanks(*cursor), *end = start;

	if (!*start)
		return NULL;
	while (*end && !is_blank(*end))
		end++;
	if (*end)
		*end++ = '\0';
	*cursor = end;
	return start;
}

/* The one token of value, which must have no other. */
static int single_token(const struct parse_ctx *c, const char *name, char *value, char **tok)
{
	*tok = next_token(&value);
	if (!*tok)
		return parse_error(c, -EINVAL, "%s has no value", name);
	if (next_token(&value))
		return parse_error(c, -EINVAL, "%s: garbage after '%.32s'", name, *tok);
	return 0;
}

/* Cut the next line out of *cursor and count it. */
static char *next_line(struct parse_ctx *c, char **cursor)
{
	char *line = *cursor, *nl;

	if (!*line)
		return NULL;
	nl = line + strcspn(line, "\n");
	*cursor = *nl ? nl + 1 : nl;
	*nl = '\0';
	c->line++;
	return line;
}

/*
 * A whole token as an unsigned number in base 8, 10 or 16, at most max. strtoull() alone would
 * take blanks, a sign (and wrap "-1"), or a "0x" prefix: check that there are only digits first.
 */
static int parse_number(const struct parse_ctx *c, const char *name, const char *tok, int base,
			uint64_t max, uint64_t *out)
{
	static const char *const digits[] = {
	    [8] = "01234567",
	    [10] = "0123456789",
	    [16] = "0123456789abcdefABCDEF",
	};
	unsigned long long val;

	if (!tok)
		return parse_error(c, -EINVAL, "%s is missing", name);
	if (!*tok || tok[strspn(tok, digits[base])])
		return parse_error(c, -EINVAL, "%s: '%.32s' is not a base-%d number", name, tok,
				   base);
	errno = 0;
	val = strtoull(tok, NULL, base);
	if (errno == ERANGE || val > max)
		return parse_error(c, -EINVAL, "%s: %.32s is out of range", name, tok);
	*out = val;
	return 0;
}

/* A whole token as a decimal int32, with an optional '-' (clock ids of CPU clocks are negative). */
static int parse_int32(const struct parse_ctx *c, const char *name, const char *tok, int32_t *out)
{
	bool negative = tok && *tok == '-';
	uint64_t magnitude;
	int ret;

	ret = parse_number(c, name, tok ? tok + negative : NULL, 10,
			   negative ? (uint64_t)INT32_MAX + 1 : INT32_MAX, &magnitude);
	if (ret)
		return ret;
	*out = negative ? (int32_t)(0 - (int64_t)magnitude) : (int32_t)magnitude;
	return 0;
}

/* A number field of a result structure: where it is, how it is written, what it may hold. */
struct number_desc {
	const char *name;
	int base;
	uint64_t max;
	size_t off, size; /* size: 4 or 8 bytes */
};

#define NUMBER(type, member, base_, max_)                                                          \
	{                                                                                          \
		.name = #member, .base = base_, .max = max_, .off = offsetof(type, member),        \
		.size = sizeof(((type *)0)->member)                                                \
	}

/* Parse tok as d describes and store it into the structure at base. */
static int parse_field(const struct parse_ctx *c, const char *tok, const struct number_desc *d,
		       void *base)
{
	char *field = (char *)base + d->off;
	uint64_t val;
	uint32_t val32;
	int ret;

	ret = parse_number(c, d->name, tok, d->base, d->max, &val);
	if (ret)
		return ret;
	/* max fits the member's type, so the narrowing below keeps the value. */
	if (d->size == sizeof(val32)) {
		val32 = val;
		memcpy(field, &val32, sizeof(val32));
	} else {
		memcpy(field, &val, sizeof(val));
	}
	return 0;
}

/* One more zeroed element at the end of *array, which holds *nr of *size, doubling it if full. */
static int grow_array(const struct parse_ctx *c, void **array, size_t *nr, size_t *size,
		      size_t elem, const char *what)
{
	void *bigger;
	size_t more;

	if (*nr == *size) {
		more = *size ? *size * 2 : 64;
		bigger = reallocarray(*array, more, elem);
		if (!bigger)
			return parse_error(c, -ENOMEM, "cannot allocate %zu %s", more, what);
		*array = bigger;
		*size = more;
	}
	memset((char *)*array + (*nr)++ * elem, 0, elem);
	return 0;
}

/* ---- smaps ----------------------------------------------------------------------------------- */

struct vma_list {
	struct proc_vma *vmas;
	size_t nr, size;
};

static const struct {
	char code[3];
	uint32_t flag;
} vmflag_codes[] = {
    {"gd", PVMF_GROWSDOWN},  {"dc", PVMF_DONTFORK}, {"dd", PVMF_DONTDUMP},
    {"wf", PVMF_WIPEONFORK}, {"hg", PVMF_HUGEPAGE}, {"nh", PVMF_NOHUGEPAGE},
    {"mg", PVMF_MERGEABLE},  {"rr", PVMF_RANDOM},   {"sr", PVMF_SEQUENTIAL},
    {"lo", PVMF_LOCKED},     {"sh", PVMF_SHARED},   {"io", PVMF_IO},
    {"pf", PVMF_PFNMAP},     {"mw", PVMF_MAYWRITE},
};

/* Append a zeroed VMA to the list. */
static int vma_list_add(const struct parse_ctx *c, struct vma_list *l)
{
	return grow_array(c, (void **)&l->vmas, &l->nr, &l->size, sizeof(*l->vmas), "VMAs");
}

/* "a-b" (an address range) or "a:b" (a device): two numbers around sep. */
static int parse_pair(const struct parse_ctx *c, const char *name, char *tok, char sep, int base,
		      uint64_t max, uint64_t *a, uint64_t *b)
{
	char *mid = tok ? strchr(tok, sep) : NULL;
	int ret;

	if (!mid)
		return parse_error(c, -EINVAL, "bad %s '%.32s'", name, tok ? tok : "");
	*mid = '\0';
	ret = parse_number(c, name, tok, base, max, a);
	if (ret)
		return ret;
	return parse_number(c, name, mid + 1, base, max, b);
}

/* "rwxp": each letter or '-', then 'p'rivate or 's'hared. */
static int parse_perms(const struct parse_ctx *c, const char *tok, struct proc_vma *v)
{
	if (!tok || strlen(tok) != 4 || !strchr("r-", tok[0]) || !strchr("w-", tok[1]) ||
	    !strchr("x-", tok[2]) || !strchr("ps", tok[3]))
		return parse_error(c, -EINVAL, "bad permissions '%.32s'", tok ? tok : "");
	v->prot = (tok[0] == 'r' ? PROT_READ : 0) | (tok[1] == 'w' ? PROT_WRITE : 0) |
		  (tok[2] == 'x' ? PROT_EXEC : 0);
	v->shared = tok[3] == 's';
	return 0;
}

/* "start-end perms offset major:minor inode   name"; the name is kept verbatim. */
static int parse_vma_header(const struct parse_ctx *c, char *line, struct proc_vma *v)
{
	char *range = next_token(&line);
	char *perms = next_token(&line);
	char *offset = next_token(&line);
	char *dev = next_token(&line);
	char *inode = next_token(&line);
	char *name = skip_blanks(line);
	uint64_t major, minor;
	size_t name_len;
	int ret;

	ret = parse_pair(c, "address range", range, '-', 16, UINT64_MAX, &v->start, &v->end);
	if (!ret)
		ret = parse_perms(c, perms, v);
	if (!ret)
		ret = parse_number(c, "offset", offset, 16, UINT64_MAX, &v->pgoff);
	if (!ret)
		ret = parse_pair(c, "device", dev, ':', 16, UINT32_MAX, &major, &minor);
	if (!ret)
		ret = parse_number(c, "inode", inode, 10, UINT64_MAX, &v->ino);
	if (ret)
		return ret;
	v->dev_major = major;
	v->dev_minor = minor;

	if (v->start >= v->end)
		return parse_error(c, -EINVAL, "bad address range %" PRIx64 "-%" PRIx64, v->start,
				   v->end);
	if (v->start % VMA_ALIGN || v->end % VMA_ALIGN)
		return parse_error(c, -EINVAL, "address range %" PRIx64 "-%" PRIx64 " not aligned",
				   v->start, v->end);
	name_len = strlen(name);
	if (name_len >= sizeof(v->name))
		return parse_error(c, -ENAMETOOLONG, "name longer than %zu bytes",
				   sizeof(v->name) - 1);
	memcpy(v->name, name, name_len + 1);
	return 0;
}

/* "VmFlags: rd wr mr mw me gd ac": two-letter codes; those cryo has no use for are skipped. */
static int parse_vmflags(const struct parse_ctx *c, char *value, uint32_t *flags)
{
	char *tok;
	size_t i;

	while ((tok = next_token(&value))) {
		if (strlen(tok) != 2)
			return parse_error(c, -EINVAL, "bad VmFlags code '%.32s'", tok);
		for (i = 0; i < ARRAY_SIZE(vmflag_codes); i++)
			if (!strcmp(tok, vmflag_codes[i].code))
				*flags |= vmflag_codes[i].flag;
	}
	return 0;
}

/*
 * A key line is "Name: value" with a name of letters, digits and '_'; return the name and point
 * *value past the ':', or NULL: then the line must be a VMA header.
 */
static char *split_smaps_key(char *line, char **value)
{
	char *p = line;

	if (!isalpha((unsigned char)*p))
		return NULL;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (*p != ':')
		return NULL;
	*p = '\0';
	*value = p + 1;
	return line;
}

static int smaps_key_line(const struct parse_ctx *c, struct vma_list *l, const char *key,
			  char *value, bool *has_flags)
{
	struct proc_vma *v;

	if (!l->nr)
		return parse_error(c, -EINVAL, "%.32s line before the first VMA", key);
	v = &l->vmas[l->nr - 1];
	if (strcmp(key, "VmFlags"))
		return 0;
	if (*has_flags)
		return parse_error(c, -EINVAL, "second VmFlags line for VMA %" PRIx64 "-%" PRIx64,
				   v->start, v->end);
	*has_flags = true;
	return parse_vmflags(c, value, &v->vmflags);
}

static int missing_vmflags(const struct parse_ctx *c, const struct proc_vma *v)
{
	return parse_error(c, -EINVAL, "VMA %" PRIx64 "-%" PRIx64 " has no VmFlags line", v->start,
			   v->end);
}

static int smaps_vma_line(const struct parse_ctx *c, struct vma_list *l, char *line,
			  bool *has_flags)
{
	struct proc_vma *v, *prev;
	int ret;

	if (l->nr && !*has_flags)
		return missing_vmflags(c, &l->vmas[l->nr - 1]);
	ret = vma_list_add(c, l);
	if (ret)
		return ret;
	v = &l->vmas[l->nr - 1];
	ret = parse_vma_header(c, line, v);
	if (ret)
		return ret;
	prev = l->nr > 1 ? v - 1 : NULL;
	if (prev && v->start < prev->end)
		return parse_error(c, -EINVAL,
				   "VMA %" PRIx64 "-%" PRIx64 " is not above %" PRIx64 "-%" PRIx64,
				   v->start, v->end, prev->start, prev->end);
	*has_flags = false;
	return 0;
}

/* On error the caller frees the list. */
static int smaps_text(struct parse_ctx *c, char *text, void *out)
{
	struct vma_list *l = out;
	bool has_flags = false; /* the last VMA had its VmFlags line */
	char *line, *key, *value;
	int ret;

	while ((line = next_line(c, &text))) {
		key = split_smaps_key(line, &value);
		if (key)
			ret = smaps_key_line(c, l, key, value, &has_flags);
		else
			ret = smaps_vma_line(c, l, line, &has_flags);
		if (ret)
			return ret;
	}
	if (!l->nr)
		return parse_error(c, -EINVAL, "no VMA");
	if (!has_flags)
		return missing_vmflags(c, &l->vmas[l->nr - 1]);
	return 0;
}

/* Hand the list over on success, free it on error. */
static int smaps_result(int ret, struct vma_list *l, struct proc_vma **vmas, size_t *nr)
{
	if (ret) {
		free(l->vmas);
		*l = (struct vma_list){0};
	}
	*vmas = l->vmas;
	*nr = l->nr;
	return ret;
}

int proc_parse_smaps_buf(const char *buf, size_t len, struct proc_vma **vmas, size_t *nr)
{
	struct vma_list l = {0};

	return smaps_result(parse_buf("smaps", buf, len, smaps_text, &l), &l, vmas, nr);
}

int proc_parse_smaps(pid_t pid, struct proc_vma **vmas, size_t *nr)
{
	struct vma_list l = {0};
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	return smaps_result(parse_path(path, smaps_text, &l), &l, vmas, nr);
}

/* ---- stat ------------------------------------------------------------------------------------ */

static const struct {
	unsigned int index; /* field number in proc(5) */
	struct number_desc num;
} stat_fields[] = {
    {4, NUMBER(struct proc_stat, ppid, 10, INT_MAX)},
    {5, NUMBER(struct proc_stat, pgid, 10, INT_MAX)},
    {6, NUMBER(struct proc_stat, sid, 10, INT_MAX)},
    {9, NUMBER(struct proc_stat, flags, 10, UINT32_MAX)},
    {20, NUMBER(struct proc_stat, num_threads, 10, UINT64_MAX)},
    {22, NUMBER(struct proc_stat, start_time, 10, UINT64_MAX)},
    {26, NUMBER(struct proc_stat, start_code, 10, UINT64_MAX)},
    {27, NUMBER(struct proc_stat, end_code, 10, UINT64_MAX)},
    {28, NUMBER(struct proc_stat, start_stack, 10, UINT64_MAX)},
    {45, NUMBER(struct proc_stat, start_data, 10, UINT64_MAX)},
    {46, NUMBER(struct proc_stat, end_data, 10, UINT64_MAX)},
    {47, NUMBER(struct proc_stat, start_brk, 10, UINT64_MAX)},
    {48, NUMBER(struct proc_stat, arg_start, 10, UINT64_MAX)},
    {49, NUMBER(struct proc_stat, arg_end, 10, UINT64_MAX)},
    {50, NUMBER(struct proc_stat, env_start, 10, UINT64_MAX)},
    {51, NUMBER(struct proc_stat, env_end, 10, UINT64_MAX)},
    {52, NUMBER(struct proc_stat, exit_code, 10, INT_MAX)},
};

/* "pid (comm) state ppid ...": comm may hold blanks and ')', so it ends at the last ')'. */
static int stat_text(struct parse_ctx *c, char *text, void *out)
{
	char *open = strchr(text, '('), *close = strrchr(text, ')');
	char *field[STAT_NR_FIELDS + 1]; /* field[n] is field n of proc(5) */
	struct proc_stat st = {0};
	char *cursor, *tok;
	size_t comm_len, i;
	unsigned int n;
	uint64_t pid;
	int ret;

	if (!open || !close || close < open)
		return parse_error(c, -EINVAL, "no (comm)");
	*open = *close = '\0';
	ret = single_token(c, "pid", text, &tok);
	if (!ret)
		ret = parse_number(c, "pid", tok, 10, INT_MAX, &pid);
	if (ret)
		return ret;
	st.pid = pid;

	/* Some kernel threads show names longer than TASK_COMM_LEN here: keep the start. */
	comm_len = close - open - 1;
	if (comm_len >= sizeof(st.comm))
		comm_len = sizeof(st.comm) - 1;
	memcpy(st.comm, open + 1, comm_len);

	cursor = close + 1;
	for (n = 3; n <= STAT_NR_FIELDS && (field[n] = next_token(&cursor)); n++)
		;
	if (n <= STAT_NR_FIELDS)
		return parse_error(c, -EINVAL, "%u fields, expected at least %d", n - 1,
				   STAT_NR_FIELDS);
	if (strlen(field[3]) != 1)
		return parse_error(c, -EINVAL, "bad state '%.32s'", field[3]);
	st.state = field[3][0];
	for (i = 0; i < ARRAY_SIZE(stat_fields); i++) {
		ret = parse_field(c, field[stat_fields[i].index], &stat_fields[i].num, &st);
		if (ret)
			return ret;
	}
	*(struct proc_stat *)out = st;
	return 0;
}

int proc_parse_stat_buf(const char *buf, size_t len, struct proc_stat *st)
{
	return parse_buf("stat", buf, len, stat_text, st);
}

int proc_parse_stat(pid_t pid, struct proc_stat *st)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return parse_path(path, stat_text, st);
}

/* ---- "Key: value" files: status, fdinfo ------------------------------------------------------ */

struct kv_key;
/* Parse the value of key k into the result structure at out. */
typedef int (*kv_parser)(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out);

struct kv_key {
	const char *key;
	kv_parser parse;
	bool mandatory;
	struct number_desc num; /* the member; base and max for kv_number() */
	bool repeats;		/* a line that may come more than once */
};

#define KV_NUM(type, key, member, base, max, mandatory)                                            \
	{                                                                                          \
		key, kv_number, mandatory, NUMBER(type, member, base, max), false                  \
	}
#define KV(type, key, parse, member, mandatory)                                                    \
	{                                                                                          \
		key, parse, mandatory, NUMBER(type, member, 10, UINT32_MAX), false                 \
	}
#define KV_REPEATED(type, key, parse, member)                                                      \
	{                                                                                          \
		key, parse, false, NUMBER(type, member, 10, UINT32_MAX), true                      \
	}

/* One number. */
static int kv_number(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out)
{
	char *tok;
	int ret;

	ret = single_token(c, k->key, value, &tok);
	if (ret)
		return ret;
	return parse_field(c, tok, &k->num, out);
}

/* "R (running)": the letter. */
static int kv_state(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out)
{
	char *tok = next_token(&value);

	if (!tok || strlen(tok) != 1)
		return parse_error(c, -EINVAL, "bad %s", k->key);
	*((char *)out + k->num.off) = tok[0];
	return 0;
}

/* Decimal ids separated by blanks: count them all, store the first max_ids (ids may be NULL). */
static int parse_id_list(const struct parse_ctx *c, const char *key, char *value, uint32_t *ids,
			 size_t max_ids, size_t *count)
{
	uint64_t id;
	char *tok;
	int ret;

	*count = 0;
	while ((tok = next_token(&value))) {
		ret = parse_number(c, key, tok, 10, UINT32_MAX, &id);
		if (ret)
			return ret;
		if (*count < max_ids)
			ids[*count] = id;
		(*count)++;
	}
	return 0;
}

/* Uid, Gid: real, effective, saved, fs. */
static int kv_ids4(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out)
{
	size_t count;
	int ret;

	ret = parse_id_list(c, k->key, value, (uint32_t *)((char *)out + k->num.off), 4, &count);
	if (ret)
		return ret;
	if (count != 4)
		return parse_error(c, -EINVAL, "%s: %zu ids, expected 4", k->key, count);
	return 0;
}

/* status only: Groups, into groups[] and nr_groups. */
static int kv_groups(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out)
{
	struct proc_status *st = out;
	size_t count;
	int ret;

	ret = parse_id_list(c, k->key, value, st->groups, ARRAY_SIZE(st->groups), &count);
	if (ret)
		return ret;
	if (count > ARRAY_SIZE(st->groups))
		return parse_error(c, -E2BIG, "%zu supplementary groups, cryo keeps at most %zu",
				   count, ARRAY_SIZE(st->groups));
	st->nr_groups = count;
	return 0;
}

/* NSpid: how many ids (one per PID namespace level), at least one. */
static int kv_count(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out)
{
	uint32_t count32;
	size_t count;
	int ret;

	ret = parse_id_list(c, k->key, value, NULL, 0, &count);
	if (ret)
		return ret;
	if (!count)
		return parse_error(c, -EINVAL, "%s has no value", k->key);
	count32 = count;
	memcpy((char *)out + k->num.off, &count32, sizeof(count32));
	return 0;
}

static const struct kv_key *find_key(const struct kv_key *keys, size_t nr_keys, const char *key)
{
	size_t i;

	for (i = 0; i < nr_keys; i++)
		if (!strcmp(keys[i].key, key))
			return &keys[i];
	return NULL;
}

/* Every mandatory key was seen (bit i of seen: keys[i]); a missing one is "no KEYsuffix". */
static int check_mandatory(const struct parse_ctx *c, const struct kv_key *keys, size_t nr_keys,
			   uint64_t seen, const char *suffix)
{
	size_t i;

	for (i = 0; i < nr_keys; i++)
		if (keys[i].mandatory && !(seen & (1ull << i)))
			return parse_error(c, -EINVAL, "no %s%s", keys[i].key, suffix);
	return 0;
}

/*
 * Lines "Key:\tvalue". Keys not in the table are skipped, and so are lines with no ':' (the
 * fdinfo of an io_uring has some); a key seen twice, or a mandatory key missing, is an error.
 */
static int kv_text(struct parse_ctx *c, char *text, const struct kv_key *keys, size_t nr_keys,
		   void *out)
{
	uint64_t seen = 0; /* bit i: keys[i] seen; the tables have at most 64 keys */
	const struct kv_key *k;
	char *line, *colon;
	size_t i;
	int ret;

	while ((line = next_line(c, &text))) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		k = find_key(keys, nr_keys, line);
		if (!k)
			continue;
		i = k - keys;
		if ((seen & (1ull << i)) && !k->repeats)
			return parse_error(c, -EINVAL, "second %s line", k->key);
		seen |= 1ull << i;
		ret = k->parse(c, k, colon + 1, out);
		if (ret)
			return ret;
	}
	c->line = 0;
	return check_mandatory(c, keys, nr_keys, seen, " line");
}

/* pid_t and int members are both written as 4-byte numbers. */
_Static_assert(sizeof(pid_t) == sizeof(uint32_t), "pid_t is not 4 bytes");
_Static_assert(sizeof(int) == sizeof(uint32_t), "int is not 4 bytes");

#define STATUS_NUM(key, member, base, max, mandatory)                                              \
	KV_NUM(struct proc_status, key, member, base, max, mandatory)

static const struct kv_key status_keys[] = {
    KV(struct proc_status, "State", kv_state, state, true),
    STATUS_NUM("Tgid", tgid, 10, INT_MAX, true),
    STATUS_NUM("PPid", ppid, 10, INT_MAX, true),
    STATUS_NUM("TracerPid", tracer_pid, 10, INT_MAX, false),
    KV(struct proc_status, "Uid", kv_ids4, uid, true),
    KV(struct proc_status, "Gid", kv_ids4, gid, true),
    KV(struct proc_status, "Groups", kv_groups, groups, false),
    KV(struct proc_status, "NSpid", kv_count, nspid_depth, false),
    STATUS_NUM("Threads", threads, 10, UINT32_MAX, true),
    STATUS_NUM("SigPnd", sig_pending, 16, UINT64_MAX, false),
    STATUS_NUM("ShdPnd", shd_pending, 16, UINT64_MAX, false),
    STATUS_NUM("SigBlk", sig_blocked, 16, UINT64_MAX, true),
    STATUS_NUM("SigIgn", sig_ignored, 16, UINT64_MAX, false),
    STATUS_NUM("SigCgt", sig_caught, 16, UINT64_MAX, false),
    STATUS_NUM("CapInh", cap_inh, 16, UINT64_MAX, false),
    STATUS_NUM("CapPrm", cap_prm, 16, UINT64_MAX, false),
    STATUS_NUM("CapEff", cap_eff, 16, UINT64_MAX, false),
    STATUS_NUM("CapBnd", cap_bnd, 16, UINT64_MAX, false),
    STATUS_NUM("CapAmb", cap_amb, 16, UINT64_MAX, false),
    STATUS_NUM("NoNewPrivs", no_new_privs, 10, INT_MAX, false),
    STATUS_NUM("Seccomp", seccomp, 10, INT_MAX, false),
};
_Static_assert(ARRAY_SIZE(status_keys) <= 64, "kv_text() keeps a 64-bit mask");

static int status_text(struct parse_ctx *c, char *text, void *out)
{
	struct proc_status st = {0};
	int ret;

	ret = kv_text(c, text, status_keys, ARRAY_SIZE(status_keys), &st);
	if (!ret)
		*(struct proc_status *)out = st;
	return ret;
}

int proc_parse_status_buf(const char *buf, size_t len, struct proc_status *st)
{
	return parse_buf("status", buf, len, status_text, st);
}

int proc_parse_status(pid_t pid, struct proc_status *st)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	return parse_path(path, status_text, st);
}

/* The kernel's names of the kinds of lock, in enum proc_lock_kind order. */
static const char *const lock_kinds[] = {"", "FLOCK", "POSIX", "OFDLCK"};

/* The range of a lock: "START END", END a number or "EOF". */
static int lock_range(const struct parse_ctx *c, char **value, struct proc_lock *l)
{
	char *end;
	int ret;

	ret = parse_number(c, "lock start", next_token(value), 10, INT64_MAX, &l->start);
	end = next_token(value);
	if (ret)
		return ret;
	if (end && !strcmp(end, "EOF")) {
		l->end = UINT64_MAX;
		return 0;
	}
	ret = parse_number(c, "lock end", end, 10, INT64_MAX, &l->end);
	if (!ret && l->end < l->start)
		return parse_error(c, -EINVAL, "lock ends before it starts");
	return ret;
}

/*
 * "lock:\tN: KIND MODE TYPE PID MAJ:MIN:INO START END": the kind, and for the locks cryo knows
 * the type and range (the pid is the taker's, the inode the file's).
 */
static int kv_lock(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out)
{
	struct proc_fdinfo *fi = out;
	struct proc_lock l = {0};
	char *kind, *type;
	size_t i;

	(void)k;
	if (fi->nr_locks == PROC_FDINFO_MAX_LOCKS)
		return parse_error(c, -E2BIG, "more than %d locks on one descriptor",
				   PROC_FDINFO_MAX_LOCKS);
	next_token(&value); /* "N:" */
	kind = next_token(&value);
	if (!kind)
		return parse_error(c, -EINVAL, "a lock of no kind");
	for (i = 1; i < ARRAY_SIZE(lock_kinds) && strcmp(kind, lock_kinds[i]); i++)
		;
	l.kind = i < ARRAY_SIZE(lock_kinds) ? i : PROC_LOCK_OTHER;
	if (l.kind != PROC_LOCK_OTHER) {
		next_token(&value); /* ADVISORY */
		type = next_token(&value);
		if (!type || (strcmp(type, "READ") && strcmp(type, "WRITE")))
			return parse_error(c, -EINVAL, "a lock neither READ nor WRITE");
		l.write = !strcmp(type, "WRITE");
		next_token(&value); /* the pid */
		next_token(&value); /* the inode */
		if (lock_range(c, &value, &l))
			return -EINVAL;
	}
	fi->locks[fi->nr_locks++] = l;
	return 0;
}

static const struct kv_key fdinfo_keys[] = {
    KV_NUM(struct proc_fdinfo, "pos", pos, 10, UINT64_MAX, true),
    KV_NUM(struct proc_fdinfo, "flags", flags, 8, UINT32_MAX, true),
    KV_NUM(struct proc_fdinfo, "mnt_id", mnt_id, 10, UINT32_MAX, false),
    KV_NUM(struct proc_fdinfo, "ino", ino, 10, UINT64_MAX, false),
    KV_NUM(struct proc_fdinfo, "scm_fds", scm_fds, 10, UINT32_MAX, false),
    KV_REPEATED(struct proc_fdinfo, "lock", kv_lock, nr_locks),
};

static int fdinfo_text(struct parse_ctx *c, char *text, void *out)
{
	struct proc_fdinfo fi = {0};
	int ret;

	ret = kv_text(c, text, fdinfo_keys, ARRAY_SIZE(fdinfo_keys), &fi);
	if (!ret)
		*(struct proc_fdinfo *)out = fi;
	return ret;
}

int proc_parse_fdinfo_buf(const char *buf, size_t len, struct proc_fdinfo *fi)
{
	return parse_buf("fdinfo", buf, len, fdinfo_text, fi);
}

static int fdinfo_path(pid_t pid, int fd, text_parser parse, void *out)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	return parse_path(path, parse, out);
}

int proc_parse_fdinfo(pid_t pid, int fd, struct proc_fdinfo *fi)
{
	return fdinfo_path(pid, fd, fdinfo_text, fi);
}

/* ---- timers ---------------------------------------------------------------------------------- */

/*
 * /proc/PID/timers: four lines per POSIX timer, newest first, nothing at all without timers:
 *   ID: 3
 *   signal: 34/00007ffd5c2e1a40        signo / sigval (%px: 16 hex digits)
 *   notify: signal/tid.1234            signal|none|thread / pid|tid . target (0: gone)
 *   ClockID: 1
 */
struct timer_list {
	struct proc_timer *timers;
	size_t nr, size;
};

static const char *const timer_keys[] = {"ID", "signal", "notify", "ClockID"};

static const struct {
	const char *name;
	uint32_t notify;
} notify_kinds[] = {
    {"signal", SIGEV_SIGNAL},
    {"none", SIGEV_NONE},
    {"thread", SIGEV_THREAD},
};

/* "Key: value" where Key must be the one expected at this place; *value is past the ':'. */
static int timer_key(const struct parse_ctx *c, char *line, const char *key, char **value)
{
	char *colon = strchr(line, ':');

	if (!colon || (size_t)(colon - line) != strlen(key) || strncmp(line, key, colon - line))
		return parse_error(c, -EINVAL, "'%.32s' where %s: was expected", line, key);
	return single_token(c, key, colon + 1, value);
}

static int timer_id(const struct parse_ctx *c, const struct timer_list *l, char *tok,
		    struct proc_timer *t)
{
	uint64_t id;
	size_t i;
	int ret;

	ret = parse_number(c, "ID", tok, 10, INT32_MAX, &id);
	if (ret)
		return ret;
	for (i = 0; i + 1 < l->nr; i++)
		if (l->timers[i].id == (int32_t)id)
			return parse_error(c, -EINVAL, "timer %" PRIu64 " listed twice", id);
	t->id = id;
	return 0;
}

/* "34/00007ffd5c2e1a40" */
static int timer_signal(const struct parse_ctx *c, char *tok, struct proc_timer *t)
{
	char *slash = strchr(tok, '/');

	if (!slash)
		return parse_error(c, -EINVAL, "bad signal '%.32s'", tok);
	*slash = '\0';
	if (parse_int32(c, "signo", tok, &t->signo))
		return -EINVAL;
	return parse_number(c, "sigval", slash + 1, 16, UINT64_MAX, &t->sigval);
}

/* "signal/tid.1234": only a signal can go to a thread (good_sigevent() in the kernel). */
static int timer_notify(const struct parse_ctx *c, char *tok, struct proc_timer *t)
{
	char *slash = strchr(tok, '/'), *dot = slash ? strchr(slash, '.') : NULL;
	uint64_t target;
	size_t i;
	int ret;

	if (!dot)
		return parse_error(c, -EINVAL, "bad notify '%.32s'", tok);
	*slash = *dot = '\0';
	for (i = 0; i < ARRAY_SIZE(notify_kinds) && strcmp(tok, notify_kinds[i].name); i++)
		;
	if (i == ARRAY_SIZE(notify_kinds) || (strcmp(slash + 1, "pid") && strcmp(slash + 1, "tid")))
		return parse_error(c, -EINVAL, "unknown notification %.16s/%.16s", tok, slash + 1);
	t->notify = notify_kinds[i].notify;
	if (!strcmp(slash + 1, "tid")) {
		if (t->notify != SIGEV_SIGNAL)
			return parse_error(c, -EINVAL, "notification %.16s/tid", tok);
		t->notify |= SIGEV_THREAD_ID;
	}
	ret = parse_number(c, "notify target", dot + 1, 10, INT32_MAX, &target);
	t->target = target;
	return ret;
}

static int timer_line(const struct parse_ctx *c, struct timer_list *l, unsigned int field,
		      char *line)
{
	struct proc_timer *t;
	char *value;
	int ret;

	ret = timer_key(c, line, timer_keys[field], &value);
	if (!ret && field == 0)
		ret = grow_array(c, (void **)&l->timers, &l->nr, &l->size, sizeof(*l->timers),
				 "timers");
	if (ret)
		return ret;
	t = &l->timers[l->nr - 1];
	switch (field) {
	case 0:
		return timer_id(c, l, value, t);
	case 1:
		return timer_signal(c, value, t);
	case 2:
		return timer_notify(c, value, t);
	default:
		return parse_int32(c, "ClockID", value, &t->clock);
	}
}

/* On error the caller frees the list. */
static int timers_text(struct parse_ctx *c, char *text, void *out)
{
	unsigned int field = 0; /* of the next line: index in timer_keys */
	char *line;
	int ret;

	while ((line = next_line(c, &text))) {
		ret = timer_line(c, out, field, line);
		if (ret)
			return ret;
		field = (field + 1) % ARRAY_SIZE(timer_keys);
	}
	c->line = 0;
	if (field)
		return parse_error(c, -EINVAL, "timer without its %s line", timer_keys[field]);
	return 0;
}

static int compare_timer_ids(const void *a, const void *b)
{
	const struct proc_timer *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Hand the timers over in increasing ID order on success, free them on error. */
static int timers_result(int ret, struct timer_list *l, struct proc_timer **timers, size_t *nr)
{
	if (ret) {
		free(l->timers);
		*l = (struct timer_list){0};
	}
	if (l->nr)
		qsort(l->timers, l->nr, sizeof(*l->timers), compare_timer_ids);
	*timers = l->timers;
	*nr = l->nr;
	return ret;
}

/* Unlike every other /proc file cryo reads, this one is empty when there is nothing to say. */
int proc_parse_timers_buf(const char *buf, size_t len, struct proc_timer **timers, size_t *nr)
{
	struct timer_list l = {0};

	return timers_result(len ? parse_buf("timers", buf, len, timers_text, &l) : 0, &l, timers,
			     nr);
}

int proc_parse_timers(pid_t pid, struct proc_timer **timers, size_t *nr)
{
	struct timer_list l = {0};
	char path[64], *text;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	ret = proc_read_file(path, &text, &len);
	if (ret)
		return timers_result(ret, &l, timers, nr);
	if (len)
		ret = parse_text(path, text, len, timers_text, &l);
	free(text);
	return timers_result(ret, &l, timers, nr);
}

/* ---- fdinfo lines of anonymous-inode files --------------------------------------------------- */

#define EVENTFD_NUM(key, member, base, max, mandatory)                                             \
	KV_NUM(struct proc_eventfd, key, member, base, max, mandatory)

static const struct kv_key eventfd_keys[] = {
    EVENTFD_NUM("eventfd-count", count, 16, UINT64_MAX, true),
    EVENTFD_NUM("eventfd-semaphore", semaphore, 10, 1, false),
};

static int eventfd_text(struct parse_ctx *c, char *text, void *out)
{
	struct proc_eventfd efd = {.semaphore = PROC_UNKNOWN};
	int ret;

	ret = kv_text(c, text, eventfd_keys, ARRAY_SIZE(eventfd_keys), &efd);
	if (!ret)
		*(struct proc_eventfd *)out = efd;
	return ret;
}

int proc_parse_eventfd_buf(const char *buf, size_t len, struct proc_eventfd *efd)
{
	return parse_buf("fdinfo", buf, len, eventfd_text, efd);
}

int proc_parse_eventfd(pid_t pid, int fd, struct proc_eventfd *efd)
{
	return fdinfo_path(pid, fd, eventfd_text, efd);
}

static const struct kv_key signalfd_keys[] = {
    KV_NUM(struct proc_signalfd, "sigmask", sigmask, 16, UINT64_MAX, true),
};

static int signalfd_text(struct parse_ctx *c, char *text, void *out)
{
	struct proc_signalfd sfd = {0};
	int ret;

	ret = kv_text(c, text, signalfd_keys, ARRAY_SIZE(signalfd_keys), &sfd);
	if (!ret)
		*(struct proc_signalfd *)out = sfd;
	return ret;
}

int proc_parse_signalfd_buf(const char *buf, size_t len, struct proc_signalfd *sfd)
{
	return parse_buf("fdinfo", buf, len, signalfd_text, sfd);
}

int proc_parse_signalfd(pid_t pid, int fd, struct proc_signalfd *sfd)
{
	return fdinfo_path(pid, fd, signalfd_text, sfd);
}

#define NSEC_MAX 999999999u

/* "(seconds, nanoseconds)", into two u64 at the member. */
static int kv_timespec(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out)
{
	char *sec = next_token(&value), *nsec = next_token(&value);
	size_t sec_len = sec ? strlen(sec) : 0, nsec_len = nsec ? strlen(nsec) : 0;
	uint64_t ts[2];
	int ret;

	if (sec_len < 3 || nsec_len < 2 || sec[0] != '(' || sec[sec_len - 1] != ',' ||
	    nsec[nsec_len - 1] != ')' || next_token(&value))
		return parse_error(c, -EINVAL, "bad %s, want (seconds, nanoseconds)", k->key);
	sec[sec_len - 1] = nsec[nsec_len - 1] = '\0';
	ret = parse_number(c, k->key, sec + 1, 10, INT64_MAX, &ts[0]);
	if (!ret)
		ret = parse_number(c, k->key, nsec, 10, NSEC_MAX, &ts[1]);
	if (!ret)
		memcpy((char *)out + k->num.off, ts, sizeof(ts));
	return ret;
}

#define TIMERFD_NUM(key, member, base, max)                                                        \
	KV_NUM(struct proc_timerfd, key, member, base, max, true)

static const struct kv_key timerfd_keys[] = {
    TIMERFD_NUM("clockid", clockid, 10, INT32_MAX),
    TIMERFD_NUM("ticks", ticks, 10, UINT64_MAX),
    TIMERFD_NUM("settime flags", settime_flags, 8, UINT32_MAX),
    KV(struct proc_timerfd, "it_value", kv_timespec, value, true),
    KV(struct proc_timerfd, "it_interval", kv_timespec, interval, true),
};

static int timerfd_text(struct parse_ctx *c, char *text, void *out)
{
	struct proc_timerfd tfd = {0};
	int ret;

	ret = kv_text(c, text, timerfd_keys, ARRAY_SIZE(timerfd_keys), &tfd);
	if (!ret)
		*(struct proc_timerfd *)out = tfd;
	return ret;
}

int proc_parse_timerfd_buf(const char *buf, size_t len, struct proc_timerfd *tfd)
{
	return parse_buf("fdinfo", buf, len, timerfd_text, tfd);
}

int proc_parse_timerfd(pid_t pid, int fd, struct proc_timerfd *tfd)
{
	return fdinfo_path(pid, fd, timerfd_text, tfd);
}

/*
 * Blank-separated "name:value" tags, the value possibly the next token ("name: value"), as the
 * lines of epoll and inotify are made. Unknown names are skipped, a name seen twice or a
 * mandatory one missing is an error.
 */
static int tag_line(const struct parse_ctx *c, char *line, const struct kv_key *keys,
		    size_t nr_keys, void *out)
{
	uint64_t seen = 0;
	const struct kv_key *k;
	char *tok, *value;
	int ret;

	while ((tok = next_token(&line))) {
		value = strchr(tok, ':');
		if (!value)
			return parse_error(c, -EINVAL, "'%.32s' is not name:value", tok);
		*value++ = '\0';
		if (!*value)
			value = next_token(&line);
		if (!value)
			return parse_error(c, -EINVAL, "%s has no value", tok);
		k = find_key(keys, nr_keys, tok);
		if (!k)
			continue;
		if (seen & (1ull << (k - keys)))
			return parse_error(c, -EINVAL, "second %s", k->key);
		seen |= 1ull << (k - keys);
		ret = k->parse(c, k, value, out);
		if (ret)
			return ret;
	}
	return check_mandatory(c, keys, nr_keys, seen, "");
}

/* The items of a list parser: a growing array. */
struct item_list {
	void *items;
	size_t nr, cap;
};

/* Append a zeroed item of size bytes; NULL (logged) when memory runs out. */
static void *item_list_add(const struct parse_ctx *c, struct item_list *l, size_t size)
{
	size_t cap = l->cap ? l->cap * 2 : 16;
	void *items;

	if (l->nr == l->cap) {
		items = reallocarray(l->items, cap, size);
		if (!items) {
			parse_error(c, -ENOMEM, "cannot allocate %zu items", cap);
			return NULL;
		}
		l->items = items;
		l->cap = cap;
	}
	return memset((char *)l->items + l->nr++ * size, 0, size);
}

/*
 * The lines of text that start with prefix, each parsed with tag_line() into an item of the list,
 * after prefix_skip bytes; other lines are skipped.
 */
static int tag_lines(struct parse_ctx *c, char *text, const char *prefix, size_t prefix_skip,
		     const struct kv_key *keys, size_t nr_keys, struct item_list *l, size_t size,
		     void (*init)(void *item))
{
	char *line;
	void *item;
	int ret;

	while ((line = next_line(c, &text))) {
		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		item = item_list_add(c, l, size);
		if (!item)
			return -ENOMEM;
		if (init)
			init(item);
		ret = tag_line(c, line + prefix_skip, keys, nr_keys, item);
		if (ret)
			return ret;
	}
	return 0;
}

/* Hand the items over on success, free them on error. */
static int item_list_result(int ret, struct item_list *l, void **items, size_t *nr)
{
	if (ret) {
		free(l->items);
		*l = (struct item_list){0};
	}
	*items = l->items;
	*nr = l->nr;
	return ret;
}

#define EPOLL_NUM(key, member, max) KV_NUM(struct proc_epoll_tfd, key, member, 16, max, true)

/* "tfd:        5 events:       19 data:             1234  pos:0 ino:40e sdev:10" */
static const struct kv_key epoll_keys[] = {
    KV_NUM(struct proc_epoll_tfd, "tfd", tfd, 10, INT32_MAX, true),
    EPOLL_NUM("events", events, UINT32_MAX),
    EPOLL_NUM("data", data, UINT64_MAX),
};

static int epoll_text(struct parse_ctx *c, char *text, void *out)
{
	return tag_lines(c, text, "tfd:", 0, epoll_keys, ARRAY_SIZE(epoll_keys), out,
			 sizeof(struct proc_epoll_tfd), NULL);
}

int proc_parse_epoll_buf(const char *buf, size_t len, struct proc_epoll_tfd **tfds, size_t *nr)
{
	struct item_list l = {0};

	return item_list_result(parse_buf("fdinfo", buf, len, epoll_text, &l), &l, (void **)tfds,
				nr);
}

int proc_parse_epoll(pid_t pid, int fd, struct proc_epoll_tfd **tfds, size_t *nr)
{
	struct item_list l = {0};

	return item_list_result(fdinfo_path(pid, fd, epoll_text, &l), &l, (void **)tfds, nr);
}

/* f_handle: the bytes of the handle in hex, two digits each. */
static int kv_handle(const struct parse_ctx *c, const struct kv_key *k, char *value, void *out)
{
	struct proc_inotify_wd *w = out;
	size_t len = strlen(value), i;
	uint64_t byte;
	char digits[3] = {0};
	int ret;

	if (!len || len % 2 || len / 2 > sizeof(w->handle))
		return parse_error(c, -EINVAL, "bad %s '%.32s'", k->key, value);
	for (i = 0; i < len / 2; i++) {
		memcpy(digits, value + 2 * i, 2);
		ret = parse_number(c, k->key, digits, 16, UINT8_MAX, &byte);
		if (ret)
			return ret;
		w->handle[i] = byte;
	}
	w->handle_bytes = len / 2;
	return 0;
}

#define INOTIFY_NUM(key, member, max, mandatory)                                                   \
	KV_NUM(struct proc_inotify_wd, key, member, 16, max, mandatory)

/*
 * "inotify wd:1 ino:3c51a sdev:fe00000 mask:100 ignored_mask:0 fhandle-bytes:8 fhandle-type:1
 * f_handle:1ac5030000000000", the handle only where the file system gives one.
 */
static const struct kv_key inotify_keys[] = {
    INOTIFY_NUM("wd", wd, INT32_MAX, true),
    INOTIFY_NUM("ino", ino, UINT64_MAX, true),
    INOTIFY_NUM("sdev", sdev, UINT32_MAX, true),
    INOTIFY_NUM("mask", mask, UINT32_MAX, true),
    INOTIFY_NUM("fhandle-type", handle_type, INT32_MAX, false),
    KV(struct proc_inotify_wd, "f_handle", kv_handle, handle, false),
};

static void inotify_init_wd(void *item)
{
	((struct proc_inotify_wd *)item)->handle_type = PROC_UNKNOWN;
}

static int inotify_text(struct parse_ctx *c, char *text, void *out)
{
	const struct item_list *l = out;
	const struct proc_inotify_wd *w;
	size_t i;
	int ret;

	ret = tag_lines(c, text, "inotify ", strlen("inotify "), inotify_keys,
			ARRAY_SIZE(inotify_keys), out, sizeof(struct proc_inotify_wd),
			inotify_init_wd);
	for (i = 0; !ret && i < l->nr; i++) {
		w = (const struct proc_inotify_wd *)l->items + i;
		if ((w->handle_type == PROC_UNKNOWN) != !w->handle_bytes) {
			c->line = 0;
			return parse_error(c, -EINVAL,
					   "watch %u: f_handle without fhandle-type or the reverse",
					   w->wd);
		}
	}
	return ret;
}

int proc_parse_inotify_buf(const char *buf, size_t len, struct proc_inotify_wd **wds, size_t *nr)
{
	struct item_list l = {0};

	return item_list_result(parse_buf("fdinfo", buf, len, inotify_text, &l), &l, (void **)wds,
				nr);
}

int proc_parse_inotify(pid_t pid, int fd, struct proc_inotify_wd **wds, size_t *nr)
{
	struct item_list l = {0};

	return item_list_result(fdinfo_path(pid, fd, inotify_text, &l), &l, (void **)wds, nr);
}

/* ---- mountinfo ------------------------------------------------------------------------------- */

/* A path of mountinfo, where blanks and backslashes are written \ooo (octal), into out. */
static int unescape_path(const struct parse_ctx *c, const char *name, const char *tok, char *out)
{
	size_t len = 0;

	if (!tok)
		return parse_error(c, -EINVAL, "no %s", name);
	while (*tok) {
		if (len == PATH_MAX - 1)
			return parse_error(c, -ENAMETOOLONG, "%s longer than %d bytes", name,
					   PATH_MAX - 1);
		if (*tok != '\\') {
			out[len++] = *tok++;
			continue;
		}
		if (strspn(tok + 1, "01234567") < 3 || tok[1] > '3')
			return parse_error(c, -EINVAL, "bad escape in %s '%.32s'", name, tok);
		out[len++] = (tok[1] - '0') << 6 | (tok[2] - '0') << 3 | (tok[3] - '0');
		tok += 4;
	}
	out[len] = '\0';
	return 0;
}

/* "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" */
static int parse_mount(const struct parse_ctx *c, char *line, struct proc_mount *m)
{
	char *id = next_token(&line), *parent = next_token(&line), *dev = next_token(&line);
	char *root = next_token(&line), *point = next_token(&line), *tok;
	uint64_t mnt_id, parent_id, major, minor;
	int ret;

	ret = parse_number(c, "mount id", id, 10, INT32_MAX, &mnt_id);
	if (!ret)
		ret = parse_number(c, "parent id", parent, 10, INT32_MAX, &parent_id);
	if (!ret)
		ret = parse_pair(c, "device", dev, ':', 10, UINT32_MAX, &major, &minor);
	if (!ret)
		ret = unescape_path(c, "root", root, m->root);
	if (!ret)
		ret = unescape_path(c, "mount point", point, m->mount_point);
	if (ret)
		return ret;
	m->mnt_id = mnt_id;
	m->dev_major = major;
	m->dev_minor = minor;
	/* Options, optional fields, then "-", the file system type and the source. */
	while ((tok = next_token(&line)) && strcmp(tok, "-"))
		;
	if (!tok || !next_token(&line) || !next_token(&line))
		return parse_error(c, -EINVAL, "no '- type source' after the mount point");
	return 0;
}

static int mountinfo_text(struct parse_ctx *c, char *text, void *out)
{
	struct proc_mount *m;
	char *line;
	int ret;

	while ((line = next_line(c, &text))) {
		m = item_list_add(c, out, sizeof(*m));
		if (!m)
			return -ENOMEM;
		ret = parse_mount(c, line, m);
		if (ret)
			return ret;
	}
	return 0;
}

int proc_parse_mountinfo_buf(const char *buf, size_t len, struct proc_mount **mounts, size_t *nr)
{
	struct item_list l = {0};

	return item_list_result(parse_buf("mountinfo", buf, len, mountinfo_text, &l), &l,
				(void **)mounts, nr);
}

int proc_parse_mountinfo(pid_t pid, struct proc_mount **mounts, size_t *nr)
{
	struct item_list l = {0};
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	return item_list_result(parse_path(path, mountinfo_text, &l), &l, (void **)mounts, nr);
}

/* ---- reading --------------------------------------------------------------------------------- */

/*
 * Only the state, which follows the last ')': the other fields of a task on its way out may not
 * parse (its group and session read -1 once they are detached).
 */
char proc_task_state(pid_t tid)
{
	char path[32], buf[512], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	paren = strrchr(buf, ')'); /* the end of comm, which may hold ')' itself */
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

/* /proc files report a size of 0: read until EOF, doubling the buffer. */
int proc_read_file(const char *path, char **buf, size_t *len)
{
	size_t size = 0, used = 0;
	char *data = NULL, *bigger;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("Cannot open %s", path);
	for (;;) {
		if (size - used < 2) { /* room for at least one byte and the '\0' */
			size = size ? size * 2 : 4096;
			bigger = realloc(data, size);
			if (!bigger) {
				pr_err("%s: cannot allocate %zu bytes", path, size);
				ret = -ENOMEM;
				break;
			}
			data = bigger;
		}
		n = read(fd, data + used, size - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = pr_perror("Cannot read %s", path);
			break;
		}
		if (!n)
			break;
		used += n;
	}
	close(fd);
	if (ret) {
		free(data);
		return ret;
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	return 0;
}
