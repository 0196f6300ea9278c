/* nl_errno.c - see nl_errno.h. */
#include "nl_errno.h"

#include "util.h"

#include <errno.h>
#include <netlink/errno.h>

static const struct {
	int nle, err;
} nle_map[] = {
    {NLE_NOMEM, ENOMEM},	{NLE_PERM, EPERM},	     {NLE_NODEV, ENODEV},
    {NLE_INVAL, EINVAL},	{NLE_EXIST, EEXIST},	     {NLE_OPNOTSUPP, EOPNOTSUPP},
    {NLE_AGAIN, EAGAIN},	{NLE_BUSY, EBUSY},	     {NLE_RANGE, ERANGE},
    {NLE_OBJ_NOTFOUND, ENOENT}, {NLE_NOADDR, EADDRNOTAVAIL}, {NLE_AF_NOSUPPORT, EAFNOSUPPORT},
};

int nl_errno(int nle)
{
	for (size_t i = 0; i < ARRAY_SIZE(nle_map); i++)
		if (-nle == nle_map[i].nle)
			return -nle_map[i].err;
	return -EIO;
}
