/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h: bhyve's configuration tree (bhyve_config(5)).  Every option
 * becomes a variable here; devices read the tree, never argv.  Paths are
 * dot-separated ("pci.0.3.0.device"); a node holds either child nodes or
 * string values.  Values may reference other variables as %(var), expanded
 * when read.
 */
#ifndef LHYVE_CONFIG_H
#define LHYVE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct config_node;

void init_config(void);
void free_config(void);

/* Nodes.  find_* return NULL when absent; create_* return the existing node
 * or make it (NULL if a value of that name is in the way). */
struct config_node *find_config_node(const char *path);
struct config_node *create_config_node(const char *path);
struct config_node *find_relative_config_node(struct config_node *parent,
    const char *path);
struct config_node *create_relative_config_node(struct config_node *parent,
    const char *path);

/* Values (strings, copied).  get_* return NULL when unset. */
void set_config_value(const char *path, const char *value);
void set_config_value_if_unset(const char *path, const char *value);
void set_config_value_node(struct config_node *parent, const char *name,
    const char *value);
void set_config_value_node_if_unset(struct config_node *parent,
    const char *name, const char *value);
const char *get_config_value(const char *path);
const char *get_config_value_node(const struct config_node *parent,
    const char *name);
/* Remove a value or a whole subtree; returns true if something was there. */
bool unset_config_value(const char *path);

/* Booleans: true/on/yes/1, false/off/no/0.  A malformed boolean is a
 * user error: parse_bool returns -1 for it. */
int parse_bool(const char *s);
void set_config_bool(const char *path, bool value);
void set_config_bool_node(struct config_node *parent, const char *name,
    bool value);
void set_default_config_bool(const char *path, bool value);
bool get_config_bool(const char *path);
bool get_config_bool_default(const char *path, bool def);
bool get_config_bool_node(const struct config_node *parent, const char *name);
bool get_config_bool_node_default(const struct config_node *parent,
    const char *name, bool def);

/* Iterate the children of a node in insertion order: for (c = first(n); c;
 * c = next(c)).  config_item_name() is the last path component;
 * config_item_is_node() tells a subtree from a value. */
struct config_node *config_node_first(const struct config_node *node);
struct config_node *config_node_next(const struct config_node *item);
const char *config_item_name(const struct config_node *item);
bool config_item_is_node(const struct config_node *item);
/* The (expanded) value of a value item. */
const char *config_item_value(const struct config_node *item);

/* Print every value as path=value, one per line, in a form -k can read. */
void dump_config(FILE *fp);

/* Read a -k file: var=value lines, '#' comments.  0 or -errno; on a
 * malformed line, *badline is set to its number. */
int load_config_file(const char *path, int *badline);

/* Parse "name=value" and set it (-o).  -EINVAL if there is no '='. */
int set_config_assignment(const char *assignment);

/* Size with K/M/G/T suffix (expand_number); a bare number is
 * 'bare_unit' bytes per unit.  0 or -EINVAL / -ERANGE. */
int parse_size(const char *s, uint64_t bare_unit, uint64_t *out);

#endif /* LHYVE_CONFIG_H */
