/* asan_options.c - AddressSanitizer defaults for installer builds.
 *
 * libparted's constructor (ped_disk_gpt_init in Debian's 3.5) reads a line of
 * dmidecode output with getline() and calls strchr() on the buffer even when
 * nothing was read, so the buffer is unterminated. That happens before main()
 * in every program linked with libparted; with ASan's strchr interceptor the
 * sanitized installer and its unit tests would die at start-up. Only the
 * strchr check is turned off; everything else stays on. Ignored by builds
 * without -fsanitize=address. */

const char *__asan_default_options(void) __attribute__((used, visibility("default")));

const char *__asan_default_options(void)
{
	return "intercept_strchr=0";
}
