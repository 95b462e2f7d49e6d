// SPDX-License-Identifier: MIT
/*
 * Unit tests of the unix socket records of files.img as restore loads them: messages split over
 * records, a listener's waiting connections added at the end with file_more; and the images it
 * must refuse.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "images/image.h"
#include "restore/files.h"
#include "restore/unix-sk.h"

struct fixture {
	char dir[64];
	int dirfd;
	struct img img;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	strcpy(fx->dir, "/tmp/cryo-test-unix-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->dirfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = fx;
	return fx->dirfd < 0 || img_create(fx->dirfd, IMG_KIND_FILES_ALL, 0, &fx->img) ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unlinkat(fx->dirfd, "files.img", 0);
	close(fx->dirfd);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void put(struct fixture *fx, uint32_t type, const void *payload, uint32_t len)
{
	assert_int_equal(img_write(&fx->img, type, payload, len), 0);
}

static void put_file(struct fixture *fx, uint32_t id)
{
	struct rec_file f = {.id = id, .kind = FILE_UNIX_SK, .open_flags = O_RDWR};

	put(fx, REC_FILE, &f, sizeof(f));
}

static void put_socket(struct fixture *fx, struct rec_unix_sk sk, const char *name, uint32_t len)
{
	uint8_t buf[sizeof(sk) + REC_UNIX_NAME_MAX];

	memcpy(buf, &sk, sizeof(sk));
	memcpy(buf + sizeof(sk), name, len);
	put(fx, REC_UNIX_SK, buf, sizeof(sk) + len);
}

static void put_msg(struct fixture *fx, uint32_t flags, const char *addr, uint32_t addr_len,
		    const char *data)
{
	uint8_t buf[512];
	struct rec_unix_msg m = {.flags = flags, .addr_len = addr_len};

	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), addr, addr_len);
	memcpy(buf + sizeof(m) + addr_len, data, strlen(data));
	put(fx, REC_UNIX_MSG, buf, sizeof(m) + addr_len + strlen(data));
}

static void put_more(struct fixture *fx, uint32_t id)
{
	struct rec_file_more more = {.id = id};

	put(fx, REC_FILE_MORE, &more, sizeof(more));
}

static void put_pending(struct fixture *fx, uint64_t client)
{
	struct rec_unix_pending p = {.client_ino = client};

	put(fx, REC_UNIX_PENDING, &p, sizeof(p));
}

/* Close files.img and load it: load_files()'s return value. */
static int load(struct fixture *fx, struct file_pool *pool)
{
	assert_int_equal(img_close(&fx->img), 0);
	return load_files(fx->dirfd, pool);
}

static struct rec_unix_sk sock(uint64_t ino, uint32_t type, uint32_t peer, uint64_t peer_ino)
{
	return (struct rec_unix_sk){
	    .ino = ino, .type = type, .peer = peer, .peer_ino = peer_ino, .peek_off = -1};
}

static void assert_msg(const struct unix_msg *m, const char *addr, const char *data)
{
	assert_int_equal(m->addr_len, addr ? strlen(addr) + 1 : 0);
	if (addr)
		assert_memory_equal(m->addr, addr, m->addr_len);
	assert_int_equal(m->len, strlen(data));
	assert_memory_equal(m->data, data, m->len);
}

static void test_load(void **state)
{
	struct fixture *fx = *state;
	struct rec_unix_sk listener = sock(3, SOCK_STREAM, UNIX_PEER_NONE, 0);
	const struct unix_file *u;
	struct file_pool pool;

	listener.flags = UNIX_SK_LISTENING;
	put_file(fx, 1);
	put_socket(fx, sock(1, SOCK_DGRAM, UNIX_PEER_NONE, 0), "/tmp/r", 7);
	put_msg(fx, UNIX_MSG_MORE, "/tmp/s", 7, "a datagram in ");
	put_msg(fx, 0, "", 0, "two records");
	put_msg(fx, 0, "\0abs", 4, "");
	put_file(fx, 2);
	put_socket(fx, sock(2, SOCK_STREAM, UNIX_PEER_PENDING, 3), "", 0);
	put_file(fx, 3);
	put_socket(fx, listener, "\0listener", 9);
	put_more(fx, 3);
	put_pending(fx, 2);
	put_msg(fx, 0, "", 0, "sent by 2");
	put_pending(fx, 0);
	assert_int_equal(load(fx, &pool), 0);
	assert_int_equal(pool.nr, 3);
	u = pool.files[0].priv;
	assert_int_equal(u->name_len, 7);
	assert_int_equal(u->queue.nr, 2);
	assert_msg(&u->queue.msgs[0], "/tmp/s", "a datagram in two records");
	assert_int_equal(u->queue.msgs[1].addr_len, 4);
	assert_int_equal(u->queue.msgs[1].len, 0);
	u = pool.files[2].priv;
	assert_int_equal(u->queue.nr, 0);
	assert_int_equal(u->nr_pending, 2);
	assert_int_equal(u->pending[0].client_ino, 2);
	assert_int_equal(u->pending[0].queue.nr, 1);
	assert_msg(&u->pending[0].queue.msgs[0], NULL, "sent by 2");
	assert_int_equal(u->pending[1].client_ino, 0);
	assert_int_equal(u->pending[1].queue.nr, 0);
	free_file_pool(&pool);
}

static void assert_refused(struct fixture *fx)
{
	struct file_pool pool;

	assert_int_equal(load(fx, &pool), -EINVAL);
	free_file_pool(&pool);
}

static void test_more_of_a_file_not_met(void **state)
{
	struct fixture *fx = *state;

	put_file(fx, 1);
	put_socket(fx, sock(1, SOCK_STREAM, UNIX_PEER_NONE, 0), "", 0);
	put_more(fx, 2);
	assert_refused(fx);
}

static void test_pending_on_no_listener(void **state)
{
	struct fixture *fx = *state;

	put_file(fx, 1);
	put_socket(fx, sock(1, SOCK_STREAM, UNIX_PEER_NONE, 0), "/tmp/x", 7);
	put_more(fx, 1);
	put_pending(fx, 0);
	assert_refused(fx);
}

static void test_address_longer_than_the_message(void **state)
{
	struct fixture *fx = *state;
	uint8_t buf[sizeof(struct rec_unix_msg) + 4] = {0};
	struct rec_unix_msg m = {.addr_len = 5};

	put_file(fx, 1);
	put_socket(fx, sock(1, SOCK_DGRAM, UNIX_PEER_NONE, 0), "/tmp/x", 7);
	memcpy(buf, &m, sizeof(m));
	put(fx, REC_UNIX_MSG, buf, sizeof(buf));
	assert_refused(fx);
}

static void test_path_without_its_nul(void **state)
{
	struct fixture *fx = *state;

	put_file(fx, 1);
	put_socket(fx, sock(1, SOCK_DGRAM, UNIX_PEER_NONE, 0), "/tmp/x", 6);
	assert_refused(fx);
}

static void test_message_cut_short(void **state)
{
	struct fixture *fx = *state;

	put_file(fx, 1);
	put_socket(fx, sock(1, SOCK_DGRAM, UNIX_PEER_NONE, 0), "/tmp/x", 7);
	put_msg(fx, UNIX_MSG_MORE, "", 0, "half");
	assert_refused(fx);
}

static void test_peer_name_of_a_peer_in_the_tree(void **state)
{
	struct fixture *fx = *state;

	put_file(fx, 1);
	put_socket(fx, sock(1, SOCK_STREAM, UNIX_PEER_TREE, 2), "", 0);
	put(fx, REC_UNIX_PEER_NAME, "/tmp/x", 7);
	assert_refused(fx);
}

static void test_external_stream_without_address(void **state)
{
	struct fixture *fx = *state;

	put_file(fx, 1);
	put_socket(fx, sock(1, SOCK_STREAM, UNIX_PEER_EXTERNAL, 0), "", 0);
	assert_refused(fx);
}

static void test_listening_datagram_socket(void **state)
{
	struct fixture *fx = *state;
	struct rec_unix_sk sk = sock(1, SOCK_DGRAM, UNIX_PEER_NONE, 0);

	sk.flags = UNIX_SK_LISTENING;
	put_file(fx, 1);
	put_socket(fx, sk, "/tmp/x", 7);
	assert_refused(fx);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_load),
	    T(test_more_of_a_file_not_met),
	    T(test_pending_on_no_listener),
	    T(test_address_longer_than_the_message),
	    T(test_path_without_its_nul),
	    T(test_message_cut_short),
	    T(test_peer_name_of_a_peer_in_the_tree),
	    T(test_external_stream_without_address),
	    T(test_listening_datagram_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
