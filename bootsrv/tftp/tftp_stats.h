/* tftp_stats.h - TFTP server counters, for /metrics and status output.
 *
 * The shape is stable: fields are only ever added at the end. Every field is
 * a uint64_t; all are monotonic counters since start except in_flight, a
 * gauge. */
#ifndef BOOTSRV_TFTP_STATS_H
#define BOOTSRV_TFTP_STATS_H

#include <stdint.h>

struct server;

struct tftp_stats {
	uint64_t requests;	  /* RRQ/WRQ (valid or not) on the listening socket */
	uint64_t refused;	  /* answered with ERROR, no transfer started */
	uint64_t started;	  /* transfers started */
	uint64_t completed;	  /* transfers whose last block was acknowledged */
	uint64_t failed;	  /* timed out, aborted by the client, read errors */
	uint64_t bytes_sent;	  /* DATA payload bytes sent, retransmissions included */
	uint64_t retransmits;	  /* packets (DATA or OACK) sent again */
	uint64_t in_flight;	  /* gauge: transfers running now */
	uint64_t completed_ms;	  /* summed duration of the completed transfers */
	uint64_t completed_bytes; /* summed file sizes of the completed transfers */
};

/* Copy the counters; zeroes *st when TFTP is not running. */
void tftp_get_stats(const struct server *srv, struct tftp_stats *st);

#endif
