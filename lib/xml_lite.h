/* xml_lite.h - a strict pull parser for the small XML subset of
 * configuration files such as SystemImager's autoinstallscript.conf:
 * elements with quoted attributes, empty-element tags, comments, an
 * optional <?xml ...?> declaration, and whitespace between tags. Nothing
 * else: no DTD, no CDATA, no text content, only the five predefined
 * entities and numeric character references in attribute values.
 *
 * One cursor (pointer + remaining length) checked before every read; every
 * name and value is copied into fixed buffers and an over-long one is an
 * error, never truncated. On an error, c->line is its 1-based line. */
#ifndef BOOTSRV_XML_LITE_H
#define BOOTSRV_XML_LITE_H

#include <stdbool.h>
#include <stddef.h>

#define XML_NAME_MAX 32
#define XML_VALUE_MAX 256
#define XML_MAX_ATTRS 16
#define XML_MAX_DEPTH 8

enum xml_event_type { XML_EV_START, XML_EV_END, XML_EV_EOF };

struct xml_attr {
	char name[XML_NAME_MAX];
	char value[XML_VALUE_MAX];
};

struct xml_event {
	enum xml_event_type type;
	bool empty; /* START of <x/>: an END event for it follows */
	char name[XML_NAME_MAX];
	struct xml_attr attrs[XML_MAX_ATTRS];
	size_t n_attrs;
	unsigned line; /* line of the tag's '<' */
};

struct xml_cursor {
	const char *p;
	size_t rem;
	unsigned line;
	/* open elements, for matching end tags */
	char stack[XML_MAX_DEPTH][XML_NAME_MAX];
	unsigned stack_line[XML_MAX_DEPTH];
	size_t depth;
	bool pending_end; /* the last START was <x/> */
	bool seen_root;
};

void xml_init(struct xml_cursor *c, const char *text, size_t len);

/* Next event. Returns 0, or -EINVAL with the reason in err (the line is
 * c->line). */
int xml_next(struct xml_cursor *c, struct xml_event *ev, char *err, size_t errsz);

/* Value of attribute name, or NULL. */
const char *xml_attr(const struct xml_event *ev, const char *name);

#endif
