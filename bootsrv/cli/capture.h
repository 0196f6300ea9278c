/* capture.h - `bootsrv capture --hosts LIST -o FILE.pcap [--duration S]
 * [--count N] [-c FILE] [-i IFACE]`: the listed hosts' boot traffic
 * (DHCP by chaddr, TFTP/HTTP/rsync by address) from the serving interface
 * into a pcap file, for troubleshooting. Runs on the server beside the
 * daemon; ends on SIGINT/SIGTERM, after S seconds or N packets, and says
 * how many packets it wrote. */
#ifndef BOOTSRV_CAPTURE_H
#define BOOTSRV_CAPTURE_H

/* argv[0] == "capture". Returns the exit status: 0 ok, 1 failed (one-line
 * reason on stderr), 2 usage error. */
int capture_main(int argc, char **argv);

#endif
