/* nl_errno.h - libnl's -NLE_* codes as -errno, for the parts that speak
 * errno (neighbour entries, the link watch, VLAN creation). */
#ifndef BOOTSRV_NL_ERRNO_H
#define BOOTSRV_NL_ERRNO_H

/* nle: a negative libnl error code; returns the matching -errno (-EIO
 * when there is none). */
int nl_errno(int nle);

#endif
