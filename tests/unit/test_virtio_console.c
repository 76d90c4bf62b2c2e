/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_virtio_console.c: virtio-console through the real virtio-pci
 * transport and PCI core, driven like Linux's virtio_console driver over
 * a fake guest RAM, with the event loop running on its own thread: the
 * PCI identity, MULTIPORT negotiation, the control-queue conversation
 * (DEVICE_READY -> DEVICE_ADD, PORT_READY -> PORT_NAME and PORT_OPEN),
 * a unix-socket port carrying bytes both ways, a file port, emergency
 * writes, the host end connecting and going away, malformed control
 * messages, and -s option errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dev_harness.h"
#include "mevent.h"

extern const struct pci_devemu pci_de_vcon;
const void *pull_vcon = &pci_de_vcon;

#define SLOT		7
#define QSZ		8
#define NQ		6		/* two ports: (2 + 1) pairs */
#define QPAGE(q)	(0x1000 * (1 + (uint64_t)(q)))
#define BUF(q, i)	(0x20000 + 0x1000 * (uint64_t)(q) + 0x100 * (i))

static char sock[80], outf[80];
static uint16_t avail_idx[NQ], seen_used[NQ];
static pthread_t evthr;

/* ---- the guest side ---- */

static volatile struct vring_used *
used(int q)
{
	return (vr_used(QPAGE(q) + 0x400));
}

/* Post buffer i of queue q (len bytes, device-writable or not). */
static void
post(int q, int i, uint32_t len, bool dev_writes)
{
	vr_set_desc(QPAGE(q), i, BUF(q, i), len,
	    dev_writes ? VRING_DESC_F_WRITE : 0, 0);
	vr_post(QPAGE(q) + 0x200, QSZ, &avail_idx[q], i);
	wr(VTPCI_NOTIFY_OFF + VTPCI_NOTIFY_MULT * q, 2, q);
}

/*
 * Wait until queue q has n more used entries than we have looked at; 3 s
 * for what must come, 0.2 s to show that nothing does.
 */
static bool
wait_used_ms(int q, int n, int ms)
{
	struct timespec ts = { 0, 1000000 };

	for (int i = 0; i < ms; i++) {
		if ((uint16_t)(__atomic_load_n(&used(q)->idx,
		    __ATOMIC_ACQUIRE) - seen_used[q]) >= n)
			return (true);
		nanosleep(&ts, NULL);
	}
	return (false);
}

static bool
wait_used(int q, int n)
{
	return (wait_used_ms(q, n, 3000));
}

/* The next used entry of q: its buffer's bytes and length. */
static uint8_t *
next_used(int q, uint32_t *len)
{
	volatile struct vring_used_elem *e;

	assert_true(wait_used(q, 1));
	e = &used(q)->ring[seen_used[q] % QSZ];
	seen_used[q]++;
	*len = e->len;
	return (ram + BUF(q, e->id));
}

/* Expect control message (id, event, value) [+ name] on queue 2. */
static void
expect_ctrl(uint32_t id, uint16_t event, uint16_t value, const char *name)
{
	uint32_t len, gid;
	uint16_t gev, gval;
	uint8_t *b = next_used(2, &len);

	memcpy(&gid, b, 4);
	memcpy(&gev, b + 4, 2);
	memcpy(&gval, b + 6, 2);
	assert_int_equal(gev, event);
	assert_int_equal(gid, id);
	assert_int_equal(gval, value);
	if (name != NULL) {
		assert_int_equal(len, 8 + strlen(name));
		assert_memory_equal(b + 8, name, strlen(name));
	} else {
		assert_int_equal(len, 8);
	}
	/* Give the buffer back, as the driver does. */
	post(2, (b - ram - BUF(2, 0)) / 0x100, 128, true);
}

static int ctrl_n;

/* The driver sends a control message on queue 3. */
static void
send_ctrl(uint32_t id, uint16_t event, uint16_t value)
{
	uint8_t *b = ram + BUF(3, ctrl_n % QSZ);
	uint32_t len;

	memcpy(b, &id, 4);
	memcpy(b + 4, &event, 2);
	memcpy(b + 6, &value, 2);
	post(3, ctrl_n % QSZ, 8, false);
	ctrl_n++;
	(void)next_used(3, &len);
	assert_int_equal(len, 0);
}

static void
start(const char *opts)
{
	char buf[300];

	snprintf(buf, sizeof(buf), "%d,virtio-console,%s", SLOT, opts);
	assert_int_equal(parse(buf), 0);
	assert_int_equal(dev_bus_up(SLOT, VTPCI_MODERN_BAR), 0);
}

static void
queues_up(int nq)
{
	memset(ram, 0, 0x20000);
	memset(avail_idx, 0, sizeof(avail_idx));
	memset(seen_used, 0, sizeof(seen_used));
	ctrl_n = 0;
	for (int q = 0; q < nq; q++) {
		vq_setup(q, QSZ, -1, QPAGE(q), QPAGE(q) + 0x200,
		    QPAGE(q) + 0x400);
		assert_int_equal(rd(0x1c, 2), 1);
	}
	wr(0x14, 1, 0x0f);
}

static int
connect_sock(void)
{
	struct sockaddr_un sun;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, sock);
	assert_int_equal(connect(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return (s);
}

/* Read n bytes from s, failing (not hanging) after 3 s without any. */
static void
read_exact(int s, char *buf, size_t n)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		assert_int_equal(poll(&pfd, 1, 3000), 1);
		r = read(s, buf + got, n - got);
		assert_true(r > 0);
		got += r;
	}
}

static int
setup(void **state)
{
	dev_setup();
	snprintf(sock, sizeof(sock), "/tmp/lhyve-tvcon-%d.sock", getpid());
	snprintf(outf, sizeof(outf), "/tmp/lhyve-tvcon-%d.out", getpid());
	unlink(sock);
	unlink(outf);
	return (0);
}

static int
teardown(void **state)
{
	free_config();
	unlink(sock);
	unlink(outf);
	return (0);
}

/* ---- tests ---- */

static void
test_identity(void **state)
{
	char o[200];

	snprintf(o, sizeof(o), "port1=%s,port2=file=%s", sock, outf);
	start(o);
	assert_int_equal(cfgr(PCIR_VENDOR, 2), 0x1af4);
	assert_int_equal(cfgr(PCIR_DEVICE, 2), 0x1003);
	assert_int_equal(cfgr(PCIR_SUBDEV_0, 2), 3);
	assert_int_equal(rd(0x12, 2), NQ);
	wr(0x00, 4, 0);
	/* MULTIPORT and EMERG_WRITE; max_nr_ports 2. */
	assert_int_equal(rd(0x04, 4) & 7, 6);
	assert_int_equal(rd(VTPCI_DEVCFG_OFF + 4, 4), 2);
	/* The config node bhyve's grammar makes. */
	assert_string_equal(get_config_value("pci.0.7.0.port.port1.path"),
	    sock);
	snprintf(o, sizeof(o), "file=%s", outf);
	assert_string_equal(get_config_value("pci.0.7.0.port.port2.path"),
	    o);
}

static void
test_multiport(void **state)
{
	char o[200], buf[64];
	uint32_t len;
	uint8_t *b;
	int s, fd;

	snprintf(o, sizeof(o), "port1=%s,port2=file=%s", sock, outf);
	start(o);
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | 2), 0x0b);
	queues_up(NQ);
	for (int i = 0; i < QSZ; i++)
		post(2, i, 128, true);
	/* Nothing is said before DEVICE_READY. */
	assert_int_equal(used(2)->idx, 0);
	send_ctrl(0xffffffff, 0, 1);
	expect_ctrl(0, 1, 1, NULL);		/* DEVICE_ADD port 0 */
	expect_ctrl(1, 1, 1, NULL);		/* DEVICE_ADD port 1 */
	/* PORT_READY: the name; the socket has no client yet. */
	send_ctrl(0, 3, 1);
	expect_ctrl(0, 7, 1, "port1");
	/* The file port is always open at the host end. */
	send_ctrl(1, 3, 1);
	expect_ctrl(1, 7, 1, "port2");
	expect_ctrl(1, 6, 1, NULL);
	assert_false(wait_used_ms(2, 1, 200));

	/* A client connects: PORT_OPEN(0, 1). */
	s = connect_sock();
	expect_ctrl(0, 6, 1, NULL);
	send_ctrl(0, 6, 1);			/* the guest opens it too */

	/* Guest to host, both ports. */
	memcpy(ram + BUF(1, 0), "hello\n", 6);
	post(1, 0, 6, false);
	(void)next_used(1, &len);
	assert_int_equal(len, 0);
	read_exact(s, buf, 6);
	assert_memory_equal(buf, "hello\n", 6);
	memcpy(ram + BUF(5, 0), "to-file", 7);
	post(5, 0, 7, false);
	(void)next_used(5, &len);
	fd = open(outf, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "to-file", 7);
	close(fd);

	/* Host to guest: the bytes land in the posted buffer. */
	assert_int_equal(write(s, "world", 5), 5);
	memset(ram + BUF(0, 0), 0, 64);
	post(0, 0, 64, true);
	b = next_used(0, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(b, "world", 5);
	/* More input waits for the next buffer, and is not lost. */
	assert_int_equal(write(s, "again", 5), 5);
	assert_false(wait_used_ms(0, 1, 200));
	post(0, 1, 64, true);
	b = next_used(0, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(b, "again", 5);

	/* A receive buffer the device cannot write: returned empty. */
	post(0, 3, 16, false);
	(void)next_used(0, &len);
	assert_int_equal(len, 0);
	assert_int_equal(rd(0x14, 1) & VIRTIO_S_NEEDS_RESET, 0);

	/* An emergency write goes to port 0. */
	wr(VTPCI_DEVCFG_OFF + 8, 4, 'Z');
	read_exact(s, buf, 1);
	assert_int_equal(buf[0], 'Z');

	/* Malformed control messages are ignored, the device lives on. */
	send_ctrl(9, 3, 1);
	send_ctrl(0, 99, 1);
	post(3, 7, 3, false);		/* too short to be a message */
	(void)next_used(3, &len);
	assert_int_equal(rd(0x14, 1) & VIRTIO_S_NEEDS_RESET, 0);

	/* The client goes away: PORT_OPEN(0, 0) once the EOF is read. */
	close(s);
	post(0, 2, 64, true);
	expect_ctrl(0, 6, 0, NULL);
	/* A second client is welcome again. */
	s = connect_sock();
	expect_ctrl(0, 6, 1, NULL);
	close(s);
}

static void
test_reset_and_legacy_driver(void **state)
{
	struct pollfd pfd;
	char o[200], buf[8];
	uint32_t len;
	int s, i;

	snprintf(o, sizeof(o), "port1=%s", sock);
	start(o);
	s = connect_sock();
	pfd.fd = s;
	pfd.events = POLLIN;
	/* A driver without MULTIPORT: port 0 only, no control traffic. */
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1), 0x0b);
	queues_up(4);
	/*
	 * The event loop accepts the client in its own time; until then
	 * output is dropped (nobody is there), so try until it arrives.
	 */
	for (i = 0; i < 100; i++) {
		memcpy(ram + BUF(1, i % QSZ), "plain", 5);
		post(1, i % QSZ, 5, false);
		(void)next_used(1, &len);
		if (poll(&pfd, 1, 30) == 1)
			break;
	}
	assert_true(i < 100);
	read_exact(s, buf, 5);
	assert_memory_equal(buf, "plain", 5);
	/* Reset, then MULTIPORT: the conversation starts over. */
	assert_int_equal(driver_init(VIRTIO_F_VERSION_1 | 2), 0x0b);
	queues_up(4);
	for (int i = 0; i < QSZ; i++)
		post(2, i, 128, true);
	send_ctrl(0xffffffff, 0, 1);
	expect_ctrl(0, 1, 1, NULL);
	send_ctrl(0, 3, 1);
	expect_ctrl(0, 7, 1, "port1");
	expect_ctrl(0, 6, 1, NULL);	/* the client is still there */
	close(s);
}

static void
test_bad_options(void **state)
{
	char s[200];
	int fd;

	assert_int_equal(parse("7,virtio-console"), -1);
	assert_int_equal(parse("7,virtio-console,port1"), -1);
	assert_int_equal(parse("7,virtio-console,=x"), -1);
	assert_int_equal(parse("7,virtio-console,port1="), -1);
	assert_int_equal(parse("7,virtio-console,a=x,a=y"), -1);
	/* A regular file where the socket should go: refused at init. */
	fd = open(sock, O_CREAT | O_WRONLY, 0600);
	close(fd);
	snprintf(s, sizeof(s), "7,virtio-console,port1=%s", sock);
	assert_int_equal(parse(s), 0);
	assert_int_equal(init_pci(NULL), -1);
}

static void
test_too_many_ports(void **state)
{
	char s[1024];
	size_t n;

	n = snprintf(s, sizeof(s), "7,virtio-console");
	for (int i = 0; i < 17; i++)
		n += snprintf(s + n, sizeof(s) - n, ",p%d=stdio", i);
	assert_int_equal(parse(s), -1);
}

static void *
ev_loop(void *arg)
{
	mevent_dispatch();
	return (NULL);
}

static int
group_setup(void **state)
{
	assert_int_equal(mevent_init(), 0);
	return (pthread_create(&evthr, NULL, ev_loop, NULL));
}

static int
group_teardown(void **state)
{
	mevent_exit();
	pthread_join(evthr, NULL);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_identity),
		T(test_multiport),
		T(test_reset_and_legacy_driver),
		T(test_bad_options),
		T(test_too_many_ports),
#undef T
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}
