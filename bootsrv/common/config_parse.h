/* config_parse.h - the libconfig helpers behind config.c, shared with the
 * image store's NAME.conf parser (image_conf.c) so that an image's settings
 * mean the same, with the same messages, in both files. Private to common/.
 *
 * Each helper reports problems as "file:line: message" through the cparse
 * and carries on; the caller looks at errors at the end. */
#ifndef BOOTSRV_CONFIG_PARSE_H
#define BOOTSRV_CONFIG_PARSE_H

#include "config.h"

#include <libconfig.h>

struct cparse {
	const char *file;
	config_report_fn report;
	void *arg;
	int errors;
};

__attribute__((format(printf, 3, 4))) void cfgp_err(struct cparse *p, const config_setting_t *s,
						    const char *fmt, ...);
/* An optional (or required) string member into dst. */
void cfgp_str(struct cparse *p, const config_setting_t *grp, const char *name, char *dst,
	      size_t dstsz, bool required);
void cfgp_u32(struct cparse *p, const config_setting_t *grp, const char *name, long long min,
	      long long max, uint32_t *dst);
/* A list of strings into a malloc'd vector (free with cfgp_free_strv). */
void cfgp_strv(struct cparse *p, const config_setting_t *grp, const char *name, char ***dst,
	       size_t *n);
void cfgp_free_strv(char **v, size_t n);
/* One layouts entry (parts malloc'd). */
void cfgp_layout(struct cparse *p, const config_setting_t *ls, struct cfg_layout *l);
/* An image's settings past name, path and layout: flavor, excludes,
 * hook_timeout, bootloader. */
void cfgp_image_fields(struct cparse *p, const config_setting_t *is, struct cfg_image *im);
/* im with its layout_ref resolved: can some firmware boot it? */
void cfgp_bootable(struct cparse *p, const config_setting_t *s, const struct cfg_image *im);

#endif
