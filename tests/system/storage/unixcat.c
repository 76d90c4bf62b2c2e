/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * unixcat.c: the host end of the virtio-console system test (CI has no
 * socat and busybox nc has no unix sockets): connect to a unix socket
 * that lhyve listens on, print the first line that arrives, answer with
 * a line of our own, then wait until lhyve closes the connection.
 *
 * usage: unixcat SOCKET TIMEOUT_S REPLY
 *   Retries the connection until the socket exists (up to TIMEOUT_S),
 *   prints "GOT=<line>" on stdout, sends REPLY and a newline, and exits 0
 *   when the peer closes (1 on timeout or error).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct pollfd pfd;
	char line[1024], c;
	double end;
	size_t n = 0;
	ssize_t r;
	int s = -1;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: unixcat SOCKET TIMEOUT_S REPLY\n");
		return (2);
	}
	end = now() + atof(argv[2]);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	for (;;) {
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (s < 0)
			return (1);
		if (connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			break;
		close(s);
		if (now() > end) {
			fprintf(stderr, "unixcat: %s: %s\n", argv[1],
			    strerror(errno));
			return (1);
		}
		usleep(100000);
	}
	pfd.fd = s;
	pfd.events = POLLIN;
	/* The first line, a byte at a time (it is short). */
	while (n < sizeof(line) - 1) {
		if (poll(&pfd, 1, 200) == 0) {
			if (now() > end)
				goto timeout;
			continue;
		}
		r = read(s, &c, 1);
		if (r <= 0) {
			fprintf(stderr, "unixcat: connection closed\n");
			return (1);
		}
		if (c == '\n')
			break;
		if (c != '\r')
			line[n++] = c;
	}
	line[n] = '\0';
	printf("GOT=%s\n", line);
	fflush(stdout);
	if (write(s, argv[3], strlen(argv[3])) < 0 || write(s, "\n", 1) < 0)
		return (1);
	/* Stay connected until lhyve goes away (or the guest is done). */
	for (;;) {
		if (poll(&pfd, 1, 200) > 0) {
			r = read(s, line, sizeof(line));
			if (r <= 0)
				break;
		}
		if (now() > end)
			goto timeout;
	}
	close(s);
	return (0);
timeout:
	fprintf(stderr, "unixcat: timed out\n");
	return (1);
}
