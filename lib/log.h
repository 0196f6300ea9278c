/* log.h - one logging facility for server, installer and tools.
 *
 * Levels, printf-checked formats, errno variants, and an escaper for every
 * peer-supplied string before it reaches a log line. */
#ifndef BOOTSRV_LOG_H
#define BOOTSRV_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* ident prefixes every line; to_syslog sends lines to syslog instead of stderr. */
void log_init(const char *ident, enum log_level level, bool to_syslog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "err|warn|info|debug"; returns -1 on unknown names. */
int log_level_parse(const char *name);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like log_msg, appending ": strerror(errno)". */
void log_errno(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
#define log_warn_errno(...) log_errno(LOG_LVL_WARN, __VA_ARGS__)
#define log_err_errno(...) log_errno(LOG_LVL_ERR, __VA_ARGS__)

/* Copy len bytes of untrusted data into out (size outsz, always
 * NUL-terminated) with non-printable bytes, backslash and quote written as
 * \xHH. Truncates with "..." when out is too small. Returns out. */
char *log_escape(const void *data, size_t len, char *out, size_t outsz);

#endif
