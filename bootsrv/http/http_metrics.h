/* http_metrics.h - the parts of /metrics (Prometheus text format 0.0.4)
 * that do not belong to the HTTP server itself: hosts per state, installs,
 * and the DHCP and TFTP counters, read through those parts' headers. */
#ifndef BOOTSRV_HTTP_METRICS_H
#define BOOTSRV_HTTP_METRICS_H

#include "daemon/server.h"

#include <stdio.h>

void http_metrics_hosts(FILE *f, struct server *srv);
void http_metrics_dhcp_tftp(FILE *f, const struct server *srv);

#endif
