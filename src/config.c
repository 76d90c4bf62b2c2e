/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.c: bhyve's configuration tree (bhyve_config(5)): dotted paths,
 * nodes holding children in insertion order, string values expanded with
 * %(var) when read, the -k file reader and the config.dump writer.
 *
 * Lifetime rule: a string returned by get_config_value() and friends stays
 * valid until free_config().  Values that are replaced or removed while the
 * tree is live are parked on a "retired" list instead of being freed,
 * because devices keep pointers to their configuration (bhyve's nvlist frees
 * them, which only works there because bhyve never changes a value after
 * the devices started).  The tree is small; the parking costs little.
 *
 * Errors never abort: a node/value conflict prints one line on stderr and
 * the call fails (NULL, -EEXIST, or nothing for the void setters).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* bhyve gives up after 15 nested references; so do we. */
#define EXPAND_MAX_DEPTH 16

struct config_node {
	char			*name;
	bool			is_node;
	char			*value;		/* raw, as set (values only) */
	char			*expanded;	/* last expansion handed out */
	struct config_node	*parent;
	struct config_node	*first;		/* children, insertion order */
	struct config_node	*last;
	struct config_node	*next;		/* sibling */
};

static struct config_node *config_root;

/*
 * One lock for the whole tree.  Recursive because expansion looks values
 * up while a getter holds it.  Configuration is written by the main thread
 * before the vCPUs start, but devices read it from vCPU threads.
 */
static pthread_mutex_t config_mtx = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static void **retired;
static size_t nretired, retired_cap;

static void
config_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
config_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("lhyve: config: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Park a pointer until free_config(); see the lifetime rule above. */
static void
retire(void *p)
{
	void **n;

	if (p == NULL)
		return;
	if (nretired == retired_cap) {
		n = realloc(retired, (retired_cap ? retired_cap * 2 : 32) *
		    sizeof(*retired));
		if (n == NULL)
			return;		/* leak rather than dangle */
		retired = n;
		retired_cap = retired_cap ? retired_cap * 2 : 32;
	}
	retired[nretired++] = p;
}

static struct config_node *
new_item(struct config_node *parent, const char *name, size_t len,
    bool is_node)
{
	struct config_node *n;

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return (NULL);
	n->name = strndup(name, len);
	if (n->name == NULL) {
		free(n);
		return (NULL);
	}
	n->is_node = is_node;
	n->parent = parent;
	if (parent != NULL) {
		if (parent->last != NULL)
			parent->last->next = n;
		else
			parent->first = n;
		parent->last = n;
	}
	return (n);
}

static void
free_item(struct config_node *n)
{
	struct config_node *c, *next;

	for (c = n->first; c != NULL; c = next) {
		next = c->next;
		free_item(c);
	}
	free(n->name);
	free(n->value);
	free(n->expanded);
	free(n);
}

/* Retire a detached subtree: every string and item in it is parked. */
static void
retire_item(struct config_node *n)
{
	struct config_node *c, *next;

	for (c = n->first; c != NULL; c = next) {
		next = c->next;
		retire_item(c);
	}
	retire(n->name);
	retire(n->value);
	retire(n->expanded);
	retire(n);
}

static struct config_node *
root(void)
{
	if (config_root == NULL)
		config_root = new_item(NULL, "", 0, true);
	return (config_root);
}

void
init_config(void)
{
	pthread_mutex_lock(&config_mtx);
	(void)root();
	pthread_mutex_unlock(&config_mtx);
}

void
free_config(void)
{
	pthread_mutex_lock(&config_mtx);
	if (config_root != NULL)
		free_item(config_root);
	config_root = NULL;
	for (size_t i = 0; i < nretired; i++)
		free(retired[i]);
	free(retired);
	retired = NULL;
	nretired = retired_cap = 0;
	pthread_mutex_unlock(&config_mtx);
}

/*
 * A path component: not empty, and free of '.', '=', whitespace and
 * control characters, so that every path dump_config() prints can be read
 * back by load_config_file().
 */
static bool
valid_name(const char *s, size_t len)
{
	if (len == 0)
		return (false);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '.' || c == '=' || isspace(c) || iscntrl(c))
			return (false);
	}
	return (true);
}

/* Every component of a dotted path is a valid name. */
static bool
valid_path(const char *path, size_t len)
{
	const char *p = path, *end = path + len, *dot;

	for (;;) {
		dot = memchr(p, '.', end - p);
		if (!valid_name(p, (dot != NULL ? dot : end) - p))
			return (false);
		if (dot == NULL)
			return (true);
		p = dot + 1;
	}
}

static struct config_node *
child(const struct config_node *n, const char *name, size_t len)
{
	struct config_node *c;

	for (c = n->first; c != NULL; c = c->next)
		if (strncmp(c->name, name, len) == 0 && c->name[len] == '\0')
			return (c);
	return (NULL);
}

/*
 * Walk the first 'pathlen' bytes of 'path' from 'start' (the root if
 * NULL), creating missing nodes if 'create'.  Returns the node, or NULL
 * with *error set: -ENOENT (absent), -EINVAL (bad path), -EEXIST (a value
 * is in the way; reported on stderr when creating), -ENOMEM.
 */
static struct config_node *
walk(struct config_node *start, const char *path, size_t pathlen,
    bool create, int *error)
{
	struct config_node *n, *c;
	const char *p, *end, *dot;
	size_t len;

	n = start != NULL ? start : root();
	if (n == NULL) {
		*error = -ENOMEM;
		return (NULL);
	}
	if (!n->is_node) {
		if (create)
			config_warn("cannot create '%.*s' below value '%s'",
			    (int)pathlen, path, n->name);
		*error = -EEXIST;
		return (NULL);
	}
	/* Check the whole path first: a bad path creates nothing. */
	if (!valid_path(path, pathlen)) {
		if (create)
			config_warn("invalid path '%.*s'", (int)pathlen, path);
		*error = -EINVAL;
		return (NULL);
	}
	p = path;
	end = path + pathlen;
	for (;;) {
		dot = memchr(p, '.', end - p);
		len = (dot != NULL ? dot : end) - p;
		c = child(n, p, len);
		if (c != NULL && !c->is_node) {
			if (create)
				config_warn("cannot create node '%.*s': "
				    "'%.*s' is a value", (int)pathlen, path,
				    (int)(p + len - path), path);
			*error = -EEXIST;
			return (NULL);
		}
		if (c == NULL) {
			if (!create) {
				*error = -ENOENT;
				return (NULL);
			}
			c = new_item(n, p, len, true);
			if (c == NULL) {
				*error = -ENOMEM;
				return (NULL);
			}
		}
		n = c;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	*error = 0;
	return (n);
}

static struct config_node *
lookup_node(struct config_node *parent, const char *path, bool create)
{
	struct config_node *n;
	int error;

	if (path == NULL)
		return (NULL);
	pthread_mutex_lock(&config_mtx);
	n = walk(parent, path, strlen(path), create, &error);
	pthread_mutex_unlock(&config_mtx);
	return (n);
}

struct config_node *
find_config_node(const char *path)
{
	return (lookup_node(NULL, path, false));
}

struct config_node *
create_config_node(const char *path)
{
	return (lookup_node(NULL, path, true));
}

struct config_node *
find_relative_config_node(struct config_node *parent, const char *path)
{
	return (lookup_node(parent, path, false));
}

struct config_node *
create_relative_config_node(struct config_node *parent, const char *path)
{
	return (lookup_node(parent, path, true));
}

/*
 * The item (node or value) at 'path' below 'parent', or NULL.  Reading
 * never warns: probing for an absent variable is normal.
 */
static struct config_node *
lookup_item(const struct config_node *parent, const char *path)
{
	struct config_node *n;
	const char *last;
	int error;

	if (path == NULL)
		return (NULL);
	last = strrchr(path, '.');
	if (last == NULL) {
		n = parent != NULL ? (struct config_node *)parent : root();
		last = path;
	} else {
		n = walk((struct config_node *)parent, path, last - path,
		    false, &error);
		last++;
	}
	if (n == NULL || !n->is_node || !valid_name(last, strlen(last)))
		return (NULL);
	return (child(n, last, strlen(last)));
}

/* Set 'path' (relative to 'parent') to 'value'.  0 or -errno. */
static int
set_value(struct config_node *parent, const char *path, const char *value,
    bool if_unset)
{
	struct config_node *n, *item;
	const char *name;
	char *copy;
	int error;

	if (path == NULL || value == NULL) {
		config_warn("cannot set %s to %s", path ? path : "(null)",
		    value ? value : "(null)");
		return (-EINVAL);
	}
	if (!valid_path(path, strlen(path))) {
		config_warn("invalid path '%s'", path);
		return (-EINVAL);
	}
	name = strrchr(path, '.');
	if (name == NULL) {
		n = parent != NULL ? parent : root();
		name = path;
		if (n == NULL)
			return (-ENOMEM);
		if (!n->is_node) {
			config_warn("cannot set '%s' below value '%s'", path,
			    n->name);
			return (-EEXIST);
		}
	} else {
		n = walk(parent, path, name - path, true, &error);
		if (n == NULL)
			return (error);
		name++;
	}
	item = child(n, name, strlen(name));
	if (item != NULL && item->is_node) {
		config_warn("cannot set '%s' to '%s': it is a node", path,
		    value);
		return (-EEXIST);
	}
	if (item != NULL && if_unset)
		return (0);
	copy = strdup(value);
	if (copy == NULL)
		return (-ENOMEM);
	if (item == NULL) {
		item = new_item(n, name, strlen(name), false);
		if (item == NULL) {
			free(copy);
			return (-ENOMEM);
		}
	} else {
		/* Keep the item's place in the order; park the old text. */
		retire(item->value);
		retire(item->expanded);
		item->expanded = NULL;
	}
	item->value = copy;
	return (0);
}

static int
set_value_locked(struct config_node *parent, const char *path,
    const char *value, bool if_unset)
{
	int error;

	pthread_mutex_lock(&config_mtx);
	error = set_value(parent, path, value, if_unset);
	pthread_mutex_unlock(&config_mtx);
	return (error);
}

void
set_config_value(const char *path, const char *value)
{
	(void)set_value_locked(NULL, path, value, false);
}

void
set_config_value_if_unset(const char *path, const char *value)
{
	(void)set_value_locked(NULL, path, value, true);
}

/* 'name' may itself be a dotted path relative to 'parent' (a superset of
 * bhyve, which refuses dots here). */
void
set_config_value_node(struct config_node *parent, const char *name,
    const char *value)
{
	(void)set_value_locked(parent, name, value, false);
}

void
set_config_value_node_if_unset(struct config_node *parent, const char *name,
    const char *value)
{
	(void)set_value_locked(parent, name, value, true);
}

/* Growable string for expansion. */
struct sbuf {
	char	*buf;
	size_t	len, cap;
	bool	oom;
};

static void
sb_put(struct sbuf *sb, const char *s, size_t len)
{
	char *n;
	size_t cap;

	if (sb->oom)
		return;
	if (sb->len + len + 1 > sb->cap) {
		cap = sb->cap ? sb->cap : 64;
		while (cap < sb->len + len + 1)
			cap *= 2;
		n = realloc(sb->buf, cap);
		if (n == NULL) {
			sb->oom = true;
			return;
		}
		sb->buf = n;
		sb->cap = cap;
	}
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

/*
 * bhyve_config(5): "%(var)" is replaced by var's (expanded) value and a
 * backslash quotes the next character.  'stack' holds the variables being
 * expanded, so a reference cycle is caught at its first repeat instead of
 * after EXPAND_MAX_DEPTH rounds; the cyclic reference is left as written.
 */
static void
expand(struct sbuf *sb, const char *value, const char **stack, int depth)
{
	const struct config_node *item;
	const char *p, *close;
	char *var;
	bool cycle;

	for (p = value; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0') {
				config_warn("trailing \\ in '%s'", value);
				break;
			}
			p++;
			sb_put(sb, p, 1);
			continue;
		}
		if (*p != '%' || p[1] != '(') {
			sb_put(sb, p, 1);
			continue;
		}
		close = strchr(p + 2, ')');
		if (close == NULL) {
			config_warn("unterminated reference in '%s'", value);
			sb_put(sb, p, strlen(p));
			break;
		}
		var = strndup(p + 2, close - (p + 2));
		if (var == NULL) {
			sb->oom = true;
			return;
		}
		cycle = depth >= EXPAND_MAX_DEPTH;
		for (int i = 0; i < depth && !cycle; i++)
			cycle = strcmp(stack[i], var) == 0;
		item = *var != '\0' ? lookup_item(NULL, var) : NULL;
		if (cycle) {
			config_warn("recursive reference %%(%s) in '%s'", var,
			    value);
			sb_put(sb, p, close + 1 - p);
		} else if (item == NULL || item->is_node) {
			config_warn("%%(%s) in '%s': no such variable", var,
			    value);
		} else {
			stack[depth] = var;
			expand(sb, item->value, stack, depth + 1);
		}
		free(var);
		p = close;
	}
}

/* The expanded value of a value item (lock held). */
static const char *
item_value(struct config_node *item)
{
	const char *stack[EXPAND_MAX_DEPTH];
	struct sbuf sb = { 0 };

	if (item == NULL || item->is_node)
		return (NULL);
	if (strpbrk(item->value, "%\\") == NULL)
		return (item->value);
	sb_put(&sb, "", 0);
	expand(&sb, item->value, stack, 0);
	if (sb.oom) {
		free(sb.buf);
		return (item->value);
	}
	/* Hand out the same pointer while the expansion is unchanged. */
	if (item->expanded != NULL && strcmp(item->expanded, sb.buf) == 0) {
		free(sb.buf);
		return (item->expanded);
	}
	retire(item->expanded);
	item->expanded = sb.buf;
	return (item->expanded);
}

const char *
get_config_value(const char *path)
{
	const char *v;

	pthread_mutex_lock(&config_mtx);
	v = item_value(lookup_item(NULL, path));
	pthread_mutex_unlock(&config_mtx);
	return (v);
}

const char *
get_config_value_node(const struct config_node *parent, const char *name)
{
	const char *v;

	pthread_mutex_lock(&config_mtx);
	v = item_value(lookup_item(parent, name));
	pthread_mutex_unlock(&config_mtx);
	return (v);
}

bool
unset_config_value(const char *path)
{
	struct config_node *item, *p, **link;

	pthread_mutex_lock(&config_mtx);
	item = lookup_item(NULL, path);
	if (item == NULL) {
		pthread_mutex_unlock(&config_mtx);
		return (false);
	}
	p = item->parent;
	for (link = &p->first; *link != item; link = &(*link)->next)
		;
	*link = item->next;
	if (p->last == item) {
		p->last = NULL;
		for (struct config_node *c = p->first; c != NULL; c = c->next)
			p->last = c;
	}
	retire_item(item);
	pthread_mutex_unlock(&config_mtx);
	return (true);
}

int
parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "on", "yes", "1" };
	static const char *const no[] = { "false", "off", "no", "0" };

	if (s == NULL)
		return (-1);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return (1);
		if (strcasecmp(s, no[i]) == 0)
			return (0);
	}
	return (-1);
}

void
set_config_bool(const char *path, bool value)
{
	set_config_value(path, value ? "true" : "false");
}

void
set_config_bool_node(struct config_node *parent, const char *name,
    bool value)
{
	set_config_value_node(parent, name, value ? "true" : "false");
}

void
set_default_config_bool(const char *path, bool value)
{
	set_config_value_if_unset(path, value ? "true" : "false");
}

/* bhyve exits on a malformed boolean; lhyve warns and uses the default
 * (options.c rejects malformed well-known booleans before anything runs). */
static bool
to_bool(const char *name, const char *v, bool def)
{
	int b;

	if (v == NULL)
		return (def);
	b = parse_bool(v);
	if (b < 0) {
		config_warn("%s: '%s' is not a boolean, using %s", name, v,
		    def ? "true" : "false");
		return (def);
	}
	return (b == 1);
}

bool
get_config_bool(const char *path)
{
	return (to_bool(path, get_config_value(path), false));
}

bool
get_config_bool_default(const char *path, bool def)
{
	return (to_bool(path, get_config_value(path), def));
}

bool
get_config_bool_node(const struct config_node *parent, const char *name)
{
	return (to_bool(name, get_config_value_node(parent, name), false));
}

bool
get_config_bool_node_default(const struct config_node *parent,
    const char *name, bool def)
{
	return (to_bool(name, get_config_value_node(parent, name), def));
}

struct config_node *
config_node_first(const struct config_node *node)
{
	struct config_node *c;

	pthread_mutex_lock(&config_mtx);
	if (node == NULL)
		node = root();
	c = node != NULL && node->is_node ? node->first : NULL;
	pthread_mutex_unlock(&config_mtx);
	return (c);
}

struct config_node *
config_node_next(const struct config_node *item)
{
	struct config_node *c;

	pthread_mutex_lock(&config_mtx);
	c = item != NULL ? item->next : NULL;
	pthread_mutex_unlock(&config_mtx);
	return (c);
}

const char *
config_item_name(const struct config_node *item)
{
	return (item != NULL ? item->name : NULL);
}

bool
config_item_is_node(const struct config_node *item)
{
	return (item != NULL && item->is_node);
}

const char *
config_item_value(const struct config_node *item)
{
	const char *v;

	pthread_mutex_lock(&config_mtx);
	v = item_value((struct config_node *)item);
	pthread_mutex_unlock(&config_mtx);
	return (v);
}

/* Values are printed raw (unexpanded) so that %(var) references survive a
 * dump -> -k round trip, as in bhyve. */
static void
dump_tree(FILE *fp, struct sbuf *prefix, const struct config_node *n)
{
	const struct config_node *c;
	size_t len;

	for (c = n->first; c != NULL; c = c->next) {
		if (!c->is_node) {
			fprintf(fp, "%s%s=%s\n", prefix->buf, c->name,
			    c->value);
			continue;
		}
		len = prefix->len;
		sb_put(prefix, c->name, strlen(c->name));
		sb_put(prefix, ".", 1);
		if (!prefix->oom)
			dump_tree(fp, prefix, c);
		prefix->len = len;
		if (prefix->buf != NULL)
			prefix->buf[len] = '\0';
	}
}

void
dump_config(FILE *fp)
{
	struct sbuf prefix = { 0 };

	if (fp == NULL)
		fp = stdout;
	pthread_mutex_lock(&config_mtx);
	sb_put(&prefix, "", 0);
	if (root() != NULL && !prefix.oom)
		dump_tree(fp, &prefix, config_root);
	pthread_mutex_unlock(&config_mtx);
	free(prefix.buf);
	fflush(fp);
}

/*
 * "path=value": both sides non-empty (bhyve refuses "path=" too).  The
 * first '=' splits, so values may contain '='.
 */
int
set_config_assignment(const char *assignment)
{
	const char *eq;
	char *path;
	int error;

	if (assignment == NULL)
		return (-EINVAL);
	eq = strchr(assignment, '=');
	if (eq == NULL || eq == assignment || eq[1] == '\0')
		return (-EINVAL);
	path = strndup(assignment, eq - assignment);
	if (path == NULL)
		return (-ENOMEM);
	error = set_value_locked(NULL, path, eq + 1, false);
	free(path);
	return (error);
}

/*
 * The -k file (bhyve(8)): one var=value per line, no blanks around '=';
 * lines whose first non-blank character is '#', and blank lines, are
 * skipped.  Trailing whitespace (and CR LF) is stripped; a '#' after the
 * start of a line is part of the value, as in bhyve.
 */
int
load_config_file(const char *path, int *badline)
{
	char *line = NULL, *s;
	size_t cap = 0, len;
	ssize_t n;
	int lineno = 0, error = 0;
	FILE *fp;

	if (badline != NULL)
		*badline = 0;
	fp = fopen(path, "r");
	if (fp == NULL)
		return (-errno);
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		len = strlen(line);
		if ((ssize_t)len != n) {
			error = -EINVAL;	/* a NUL byte inside a line */
			break;
		}
		while (len > 0 && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		for (s = line; isspace((unsigned char)*s); s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		error = set_config_assignment(line);
		if (error != 0)
			break;
	}
	if (error == 0 && ferror(fp))
		error = -EIO;
	else if (error != 0 && badline != NULL)
		*badline = lineno;
	free(line);
	fclose(fp);
	return (error);
}

/*
 * expand_number(3): a number (C syntax: 0x.. hex, 0.. octal) with an
 * optional one-letter suffix, B (bytes) or K/M/G/T/P/E (powers of 1024),
 * either case.  A bare number counts in 'bare_unit' bytes (bhyve's -m uses
 * MiB).
 */
int
parse_size(const char *s, uint64_t bare_unit, uint64_t *out)
{
	static const char units[] = "bkmgtpe";
	unsigned long long n;
	const char *u;
	uint64_t mult;
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s) || bare_unit == 0)
		return (-EINVAL);
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return (-ERANGE);
	if (end == s)
		return (-EINVAL);
	if (*end == '\0') {
		mult = bare_unit;
	} else {
		u = strchr(units, tolower((unsigned char)*end));
		if (u == NULL || end[1] != '\0')
			return (-EINVAL);
		mult = 1ULL << (10 * (u - units));
	}
	if (n > UINT64_MAX / mult)
		return (-ERANGE);
	if (out != NULL)
		*out = n * mult;
	return (0);
}
