/* test_pid1_core.c - the PID-1 core shared by the installer and bootinit,
 * run as an ordinary process: the API mount table, what a failed mkdir or
 * mount does under each policy (a filesystem type that does not exist, so
 * nothing is ever mounted), the console as fds 0-2 (a temporary file
 * standing in for /dev/console, in a child so that the test's own stdio
 * is left alone), the shell's child setup (the "console" is a script the
 * shell reads), the signal mask and reaping. */
#include "pid1_core.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#define NO_SUCH_FS "bootsrv-nosuchfs"

static char tmpdir[64];
static char failed[4][128];
static int n_failed;

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bootsrv-pid1.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void on_fail(const struct pid1_mount *m, int err)
{
	assert_true(err < 0);
	if (n_failed < 4)
		snprintf(failed[n_failed], sizeof(failed[0]), "%s", m->target);
	n_failed++;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void test_api_mounts(void **state)
{
	static const struct pid1_mount want[] = {
	    {"proc", "/proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
	    {"sysfs", "/sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
	    {"devtmpfs", "/dev", "devtmpfs", "mode=0755", MS_NOSUID},
	};
	(void)state;

	for (size_t i = 0; i < PID1_API_MOUNTS; i++) {
		const struct pid1_mount *m = &pid1_api_mounts[i];
		assert_string_equal(m->source, want[i].source);
		assert_string_equal(m->target, want[i].target);
		assert_string_equal(m->type, want[i].type);
		if (want[i].data)
			assert_string_equal(m->data, want[i].data);
		else
			assert_null(m->data);
		assert_int_equal(m->flags, want[i].flags);
	}
}

/* Both entries fail to mount (no such type: -ENODEV as root, else -EPERM). */
static void test_mount_policy(void **state)
{
	char a[96], b[96], c[96], d[96];
	(void)state;

	snprintf(a, sizeof(a), "%s/a", tmpdir);
	snprintf(b, sizeof(b), "%s/b", tmpdir);
	snprintf(c, sizeof(c), "%s/c", tmpdir);
	snprintf(d, sizeof(d), "%s/d", tmpdir);
	const struct pid1_mount two[] = {{"none", a, NO_SUCH_FS, NULL, 0},
					 {"none", b, NO_SUCH_FS, NULL, 0}};
	const struct pid1_mount other[] = {{"none", c, NO_SUCH_FS, NULL, 0},
					   {"none", d, NO_SUCH_FS, NULL, 0}};

	assert_int_equal(pid1_mount_all(two, 0, false, on_fail), 0);
	n_failed = 0;
	int r = pid1_mount_all(two, 2, true, on_fail);
	assert_true(r == -ENODEV || r == -EPERM);
	assert_int_equal(n_failed, 2);
	assert_string_equal(failed[0], a);
	assert_string_equal(failed[1], b);
	assert_true(is_dir(a) && is_dir(b));
	/* once more: the directories are there (EEXIST is no failure) */
	n_failed = 0;
	assert_int_equal(pid1_mount_all(two, 2, true, NULL), r);
	assert_int_equal(n_failed, 0);

	n_failed = 0;
	assert_int_equal(pid1_mount_all(other, 2, false, on_fail), r);
	assert_int_equal(n_failed, 1);
	assert_string_equal(failed[0], c);
	assert_true(is_dir(c));
	assert_false(is_dir(d));
}

/* A failed mkdir: the first error either way; keep_going still tries the
 * mount (and reports it), else nothing more is tried. */
static void test_mount_mkdir_fails(void **state)
{
	char lost[96], fine[96];
	(void)state;

	snprintf(lost, sizeof(lost), "%s/no/such", tmpdir);
	snprintf(fine, sizeof(fine), "%s/e", tmpdir);
	const struct pid1_mount m[] = {{"none", lost, NO_SUCH_FS, NULL, 0},
				       {"none", fine, NO_SUCH_FS, NULL, 0}};

	n_failed = 0;
	assert_int_equal(pid1_mount_all(m, 2, false, on_fail), -ENOENT);
	assert_int_equal(n_failed, 0);
	assert_false(is_dir(fine));

	n_failed = 0;
	assert_int_equal(pid1_mount_all(m, 2, true, on_fail), -ENOENT);
	assert_int_equal(n_failed, 2);
	assert_string_equal(failed[0], lost);
	assert_string_equal(failed[1], fine);
	assert_true(is_dir(fine));
}

static bool fd_is(int fd, const struct stat *want)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == want->st_dev && st.st_ino == want->st_ino;
}

/* In a child: fds 0-2 as open3 says (1: /dev/null, 0: closed), then
 * pid1_console_stdio; exits 0 when fds 0-2 are what `want` says (c: the
 * console, n: /dev/null) and the return value is rc. */
static void console_case(const char *console, const char *open3, enum pid1_stdio how,
			 const char *want, int rc)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct stat con, null;
		int fd = open("/dev/null", O_RDWR);

		if (fd < 0 || fstat(fd, &null) < 0)
			_exit(10);
		for (int i = 0; i < 3; i++) {
			if (open3[i] == '0')
				close(i);
			else if (dup2(fd, i) < 0)
				_exit(11);
		}
		if (fd > 2)
			close(fd);
		if (pid1_console_stdio(console, how) != rc)
			_exit(12);
		if (rc < 0)
			_exit(0);
		if (stat(console, &con) < 0) /* the missing console: never wanted */
			memset(&con, 0, sizeof(con));
		for (int i = 0; i < 3; i++)
			if (!fd_is(i, want[i] == 'c' ? &con : &null))
				_exit(20 + i);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_console_stdio(void **state)
{
	char console[96], missing[96];
	(void)state;

	snprintf(console, sizeof(console), "%s/console", tmpdir);
	snprintf(missing, sizeof(missing), "%s/no-console", tmpdir);
	close(open(console, O_RDWR | O_CREAT, 0600));

	/* nothing to do while 0-2 are open, even without a console */
	console_case(console, "111", PID1_STDIO_ALL, "nnn", 0);
	console_case(missing, "111", PID1_STDIO_CLOSED, "nnn", 0);
	/* all closed (the kernel found no console node): the same either way */
	console_case(console, "000", PID1_STDIO_ALL, "ccc", 0);
	console_case(console, "000", PID1_STDIO_CLOSED, "ccc", 0);
	/* one open: replaced, or kept */
	console_case(console, "100", PID1_STDIO_ALL, "ccc", 0);
	console_case(console, "100", PID1_STDIO_CLOSED, "ncc", 0);
	console_case(console, "010", PID1_STDIO_CLOSED, "cnc", 0);
	console_case(missing, "011", PID1_STDIO_ALL, "", -ENOENT);
}

static void test_signals(void **state)
{
	sigset_t cur;
	(void)state;

	assert_int_equal(pid1_block_signals(), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &cur), 0);
	assert_true(sigismember(&cur, SIGCHLD));
	assert_true(sigismember(&cur, SIGINT));
	assert_true(sigismember(&cur, SIGTERM));
	assert_true(sigismember(&cur, SIGRTMIN));
	assert_int_equal(pid1_unblock_signals(), 0);
	assert_int_equal(sigprocmask(SIG_SETMASK, NULL, &cur), 0);
	assert_false(sigismember(&cur, SIGCHLD));
	assert_false(sigismember(&cur, SIGINT));
}

static char *slurp(const char *path)
{
	static char buf[512];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* The shell runs the "console" it reads its commands from: it reports its
 * $0, its blocked signals and whether it leads its own session. Spawned
 * with every signal blocked, as PID 1 has them. */
static void test_spawn_shell(void **state)
{
	char script[96], out[96];
	const char *text;
	FILE *f;
	pid_t pid;
	int st;
	(void)state;

	snprintf(script, sizeof(script), "%s/shell-console", tmpdir);
	snprintf(out, sizeof(out), "%s/shell-out", tmpdir);
	f = fopen(script, "w");
	assert_non_null(f);
	/* builtins only: while dash forks a command it blocks every signal */
	fprintf(
	    f,
	    "exec >'%s'\n"
	    "echo \"$0\"\n"
	    "while read -r k v; do [ \"$k\" = SigBlk: ] && echo \"$k $v\"; done </proc/$$/status\n"
	    "read -r stat </proc/$$/stat; set -- $stat\n"
	    "[ \"$6\" = \"$$\" ] && echo session-leader\n"
	    "exit 0\n",
	    out);
	fclose(f);

	assert_int_equal(pid1_block_signals(), 0);
	pid = pid1_spawn_shell(script, "/bin/sh", "rescue-sh");
	assert_int_equal(pid1_unblock_signals(), 0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	text = slurp(out);
	assert_non_null(text);
	assert_string_equal(text, "rescue-sh\nSigBlk: 0000000000000000\nsession-leader\n");

	/* no such shell: the child exits 127 */
	pid = pid1_spawn_shell(script, "/nonexistent/sh", "sh");
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 127);
}

/* A child that exits at once, waited for (not reaped) until it has. */
static pid_t exited_child(void)
{
	siginfo_t si;
	pid_t pid = fork();

	if (pid == 0)
		_exit(3);
	assert_true(pid > 0);
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	return pid;
}

static void test_reap(void **state)
{
	pid_t a, b;
	(void)state;

	assert_false(pid1_reap_nohang(0));
	a = exited_child();
	b = exited_child();
	assert_true(pid1_reap_nohang(b));
	assert_int_equal(waitpid(a, NULL, WNOHANG), -1); /* a was reaped too */
	assert_int_equal(errno, ECHILD);
	a = exited_child();
	assert_false(pid1_reap_nohang(0));
	assert_int_equal(waitpid(a, NULL, WNOHANG), -1);
	a = exited_child();
	assert_false(pid1_reap_nohang(a + 1));
	assert_int_equal(waitpid(a, NULL, WNOHANG), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_api_mounts),
	    cmocka_unit_test(test_mount_policy),
	    cmocka_unit_test(test_mount_mkdir_fails),
	    cmocka_unit_test(test_console_stdio),
	    cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_spawn_shell),
	    cmocka_unit_test(test_reap),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
