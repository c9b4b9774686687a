# Runs AWS CLI v2 command lines for the differential suite without paying the CLI's start-up for
# each one: this process imports the CLI (and what a warm-up run imported) once, then forks one
# child per command line. Each child is a fresh copy of that state with its own environment,
# working directory and real file descriptors (stdin /dev/null, stdout and stderr to files), and
# runs exactly what /usr/bin/aws runs: awscli.clidriver.main(), its result as the exit status.
#
# Protocol: one JSON object per line on stdin {"id", "argv", "env", "cwd", "out", "err"};
# one per line on stdout {"id", "rc"} when that child has exited (in any order).
import gc
import importlib
import json
import os
import select
import sys

STARTUP_ENV = dict(os.environ)
import awscli.clidriver  # noqa: E402

# what importing the CLI puts into the environment (its data path), as a fresh process would have
IMPORT_ENV = {k: v for k, v in os.environ.items() if STARTUP_ENV.get(k) != v}


def run_main(argv, env):
    os.environ.clear()
    os.environ.update(env)
    os.environ.update(IMPORT_ENV)
    # as /usr/bin/aws does before importing the CLI
    if os.environ.get('LC_CTYPE', '') == 'UTF-8':
        os.environ['LC_CTYPE'] = 'en_US.UTF-8'
    sys.argv = ['/usr/bin/aws'] + argv
    try:
        rc = awscli.clidriver.main()
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return rc


def redirect(out, err, cwd):
    os.chdir(cwd)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
    os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)


def child(req):
    code = 255
    try:
        redirect(req['out'], req['err'], req['cwd'])
        code = run_main(req['argv'], req['env'])
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code if isinstance(code, int) else 255)


def warm_up():
    """Runs two client-side command lines in a child and imports every module they loaded."""
    listing = os.path.join(os.environ.get('TMPDIR', '/tmp'), 'osprey-aws-zygote-%d.txt' % os.getpid())
    pid = os.fork()
    if pid == 0:
        try:
            redirect(os.devnull, os.devnull, '/')
            env = dict(os.environ)
            for argv in (['rekognition', 'list-tags-for-resource', '--resource-arn', 'x' * 20, '--generate-cli-skeleton', 'output', '--output', 'yaml'],
                         ['rekognition', 'describe-dataset', '--dataset-arn', 'x' * 20, '--generate-cli-skeleton', 'output', '--output', 'table', '--query', 'a']):
                run_main(argv, env)
            with open(listing, 'w') as f:
                f.write('\n'.join(sorted(sys.modules)))
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    try:
        with open(listing) as f:
            names = f.read().split('\n')
        os.unlink(listing)
    except OSError:
        return
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass


def main():
    warm_up()
    # children share the imported objects copy-on-write; keep the collector off them
    gc.collect()
    gc.freeze()
    os.write(1, b'{"ready": true}\n')
    pending = {}
    buf = b''
    open_input = True
    while open_input or pending:
        if open_input:
            ready, _, _ = select.select([0], [], [], 0.005)
            if ready:
                chunk = os.read(0, 65536)
                if not chunk:
                    open_input = False
                buf += chunk
                while b'\n' in buf:
                    line, buf = buf.split(b'\n', 1)
                    req = json.loads(line)
                    pid = os.fork()
                    if pid == 0:
                        child(req)
                    pending[pid] = req['id']
        else:
            select.select([], [], [], 0.005)
        while pending:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            rc = os.waitstatus_to_exitcode(status)
            os.write(1, (json.dumps({'id': pending.pop(pid), 'rc': rc}) + '\n').encode())


if __name__ == '__main__':
    main()
