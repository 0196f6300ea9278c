/* xml_lite.c - see xml_lite.h */
#include "xml_lite.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int xerr(const struct xml_cursor *c, char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int xerr(const struct xml_cursor *c, char *err, size_t errsz, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	(void)c; /* the line is c->line, read by the caller */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errsz)
		snprintf(err, errsz, "%s", msg);
	return -EINVAL;
}

void xml_init(struct xml_cursor *c, const char *text, size_t len)
{
	memset(c, 0, sizeof(*c));
	c->p = text;
	c->rem = len;
	c->line = 1;
}

static void advance(struct xml_cursor *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c->p[i] == '\n')
			c->line++;
	c->p += n;
	c->rem -= n;
}

static bool starts(const struct xml_cursor *c, const char *s)
{
	size_t n = strlen(s);
	return c->rem >= n && memcmp(c->p, s, n) == 0;
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static void skip_space(struct xml_cursor *c)
{
	while (c->rem > 0 && is_space(c->p[0]))
		advance(c, 1);
}

static bool name_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool name_char(char ch)
{
	return name_start(ch) || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
}

static int parse_name(struct xml_cursor *c, char out[XML_NAME_MAX], char *err, size_t errsz)
{
	size_t n = 0;

	if (c->rem == 0)
		return xerr(c, err, errsz, "truncated: the file ends inside a tag");
	if (!name_start(c->p[0]))
		return xerr(c, err, errsz, "expected a name, found '%c'", c->p[0]);
	while (n < c->rem && name_char(c->p[n]))
		n++;
	if (n >= XML_NAME_MAX)
		return xerr(c, err, errsz, "name longer than %d characters", XML_NAME_MAX - 1);
	memcpy(out, c->p, n);
	out[n] = '\0';
	advance(c, n);
	return 0;
}

/* &amp; &lt; &gt; &quot; &apos; &#NN; &#xHH; (ASCII only) at c->p. */
static int parse_entity(struct xml_cursor *c, char *out, char *err, size_t errsz)
{
	static const struct {
		const char *name;
		char ch;
	} ents[] = {
	    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
	unsigned long v = 0;
	size_t i = 2;
	bool hex;

	for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
		if (starts(c, ents[k].name)) {
			*out = ents[k].ch;
			advance(c, strlen(ents[k].name));
			return 0;
		}
	if (!starts(c, "&#"))
		return xerr(c, err, errsz, "unknown entity (only &amp; &lt; &gt; &quot; &apos;)");
	hex = c->rem > 2 && c->p[2] == 'x';
	i += hex;
	for (; i < c->rem && i < 12 && c->p[i] != ';'; i++) {
		char ch = c->p[i];
		int d = ch >= '0' && ch <= '9'		? ch - '0'
			: hex && ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: hex && ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
							: -1;
		if (d < 0)
			return xerr(c, err, errsz, "bad character reference");
		v = v * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (i >= c->rem || c->p[i] != ';' || v == 0 || v > 0x7e || v < 0x20)
		return xerr(c, err, errsz, "bad or non-ASCII character reference");
	*out = (char)v;
	advance(c, i + 1);
	return 0;
}

static int parse_value(struct xml_cursor *c, char out[XML_VALUE_MAX], char *err, size_t errsz)
{
	char q;
	size_t n = 0;

	if (c->rem == 0)
		return xerr(c, err, errsz, "truncated: the file ends inside a tag");
	q = c->p[0];
	if (q != '"' && q != '\'')
		return xerr(c, err, errsz, "attribute value must be quoted");
	advance(c, 1);
	for (;;) {
		char ch = 0;
		if (c->rem == 0)
			return xerr(c, err, errsz, "truncated: unterminated attribute value");
		if (c->p[0] == q)
			break;
		if (c->p[0] == '<')
			return xerr(c, err, errsz, "'<' inside an attribute value");
		if (c->p[0] == '&') {
			int r = parse_entity(c, &ch, err, errsz);
			if (r < 0)
				return r;
		} else {
			ch = c->p[0];
			if ((unsigned char)ch < 0x20 && !is_space(ch))
				return xerr(c, err, errsz,
					    "control character in an attribute value");
			advance(c, 1);
		}
		if (n + 1 >= XML_VALUE_MAX)
			return xerr(c, err, errsz, "attribute value longer than %d bytes",
				    XML_VALUE_MAX - 1);
		out[n++] = ch;
	}
	advance(c, 1);
	out[n] = '\0';
	return 0;
}

static int parse_attrs(struct xml_cursor *c, struct xml_event *ev, char *err, size_t errsz)
{
	for (;;) {
		bool had_space = c->rem > 0 && is_space(c->p[0]);
		struct xml_attr *a;
		int r;

		skip_space(c);
		if (c->rem == 0)
			return xerr(c, err, errsz, "truncated: <%s> tag is not closed", ev->name);
		if (c->p[0] == '>' || starts(c, "/>"))
			return 0;
		if (!had_space)
			return xerr(c, err, errsz, "expected a space before an attribute");
		if (ev->n_attrs == XML_MAX_ATTRS)
			return xerr(c, err, errsz, "more than %d attributes", XML_MAX_ATTRS);
		a = &ev->attrs[ev->n_attrs];
		r = parse_name(c, a->name, err, errsz);
		if (r < 0)
			return r;
		if (xml_attr(ev, a->name))
			return xerr(c, err, errsz, "attribute \"%s\" given twice", a->name);
		skip_space(c);
		if (c->rem == 0 || c->p[0] != '=')
			return xerr(c, err, errsz, "attribute \"%s\" has no '=' value", a->name);
		advance(c, 1);
		skip_space(c);
		r = parse_value(c, a->value, err, errsz);
		if (r < 0)
			return r;
		ev->n_attrs++;
	}
}

/* Skip a comment ("--" may only appear as its end, XML 1.0 section 2.5)
 * or the <?xml ...?> declaration; c->p is at its '<'. */
static int skip_special(struct xml_cursor *c, bool comment, char *err, size_t errsz)
{
	const char *term = comment ? "--" : "?>";
	size_t from = comment ? 4 : 5;

	for (size_t i = from; i + 2 <= c->rem; i++) {
		if (memcmp(c->p + i, term, 2) != 0)
			continue;
		if (comment && (i + 3 > c->rem || c->p[i + 2] != '>'))
			return xerr(c, err, errsz, "\"--\" inside a comment");
		advance(c, i + (comment ? 3 : 2));
		return 0;
	}
	return xerr(c, err, errsz, "truncated: %s is not closed",
		    comment ? "comment" : "<?xml declaration");
}

static int parse_start(struct xml_cursor *c, struct xml_event *ev, char *err, size_t errsz)
{
	int r;

	if (c->depth == 0 && c->seen_root)
		return xerr(c, err, errsz, "a second top-level element");
	r = parse_name(c, ev->name, err, errsz);
	if (r == 0)
		r = parse_attrs(c, ev, err, errsz);
	if (r < 0)
		return r;
	ev->type = XML_EV_START;
	ev->empty = c->p[0] == '/';
	advance(c, ev->empty ? 2 : 1);
	if (c->depth == XML_MAX_DEPTH)
		return xerr(c, err, errsz, "elements nested deeper than %d", XML_MAX_DEPTH);
	memcpy(c->stack[c->depth], ev->name, XML_NAME_MAX);
	c->stack_line[c->depth++] = ev->line;
	c->pending_end = ev->empty;
	c->seen_root = true;
	return 0;
}

static int parse_end(struct xml_cursor *c, struct xml_event *ev, char *err, size_t errsz)
{
	int r = parse_name(c, ev->name, err, errsz);

	if (r < 0)
		return r;
	skip_space(c);
	if (c->rem == 0 || c->p[0] != '>')
		return xerr(c, err, errsz, "truncated: </%s> is not closed", ev->name);
	advance(c, 1);
	if (c->depth == 0)
		return xerr(c, err, errsz, "</%s> without an open element", ev->name);
	if (strcmp(c->stack[c->depth - 1], ev->name) != 0)
		return xerr(c, err, errsz, "</%s> closes <%s> opened at line %u", ev->name,
			    c->stack[c->depth - 1], c->stack_line[c->depth - 1]);
	c->depth--;
	ev->type = XML_EV_END;
	return 0;
}

static int at_eof(struct xml_cursor *c, struct xml_event *ev, char *err, size_t errsz)
{
	if (c->depth > 0)
		return xerr(c, err, errsz, "truncated: <%s> opened at line %u is not closed",
			    c->stack[c->depth - 1], c->stack_line[c->depth - 1]);
	if (!c->seen_root)
		return xerr(c, err, errsz, "no element in the file");
	ev->type = XML_EV_EOF;
	return 0;
}

int xml_next(struct xml_cursor *c, struct xml_event *ev, char *err, size_t errsz)
{
	memset(ev, 0, sizeof(*ev));
	if (c->pending_end) { /* the END of <x/> */
		c->pending_end = false;
		c->depth--;
		memcpy(ev->name, c->stack[c->depth], XML_NAME_MAX);
		ev->line = c->line;
		ev->type = XML_EV_END;
		return 0;
	}
	for (;;) {
		int r = 0;
		skip_space(c);
		ev->line = c->line;
		if (c->rem == 0)
			return at_eof(c, ev, err, errsz);
		if (c->p[0] != '<')
			return xerr(c, err, errsz,
				    "text outside a tag (only whitespace is allowed)");
		if (starts(c, "<!--"))
			r = skip_special(c, true, err, errsz);
		else if (starts(c, "<?xml") && !c->seen_root)
			r = skip_special(c, false, err, errsz);
		else if (starts(c, "<!") || starts(c, "<?"))
			return xerr(c, err, errsz,
				    "DTDs, CDATA and processing instructions are "
				    "not supported");
		else if (starts(c, "</")) {
			advance(c, 2);
			return parse_end(c, ev, err, errsz);
		} else {
			advance(c, 1);
			return parse_start(c, ev, err, errsz);
		}
		if (r < 0)
			return r;
	}
}

const char *xml_attr(const struct xml_event *ev, const char *name)
{
	for (size_t i = 0; i < ev->n_attrs; i++)
		if (strcmp(ev->attrs[i].name, name) == 0)
			return ev->attrs[i].value;
	return NULL;
}
