"""Drive the tunebook kernel for tests/kernel/lifetime.test.ts: a queued Run All with an error in the
middle (stop_on_error), is_complete / complete / inspect requests, then print the kernel's PID and
wait to be killed (the test kills this client and checks that the kernel goes away on its own).

argv: kernel name, working folder, kernel log file. stdin: JSON {"cells": [...], "figure": code, "complete": [[code, pos]...],
"inspect": [[code, pos]...], "is_complete": [code...]}. Prints one JSON line.
"""
import json
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel


def reply_to(kc, msg_id, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = kc.get_shell_msg(timeout=timeout)
        if m["parent_header"].get("msg_id") == msg_id:
            return m["content"]
    raise TimeoutError(msg_id)


def main():
    name, cwd, log = sys.argv[1], sys.argv[2], open(sys.argv[3], "w")
    spec = json.load(sys.stdin)
    km, kc = start_new_kernel(kernel_name=name, cwd=cwd, startup_timeout=120, stdout=log, stderr=log)
    out = {}
    # Run All: every request sent before the first reply comes back.
    ids = [kc.execute(c, stop_on_error=True) for c in spec["cells"]]
    out["run_all"] = [reply_to(kc, i) for i in ids]
    time.sleep(0.5)
    out["after"] = reply_to(kc, kc.execute(spec["after"]))
    out["is_complete"] = [reply_to(kc, kc.is_complete(c)) for c in spec["is_complete"]]
    out["complete"] = [reply_to(kc, kc.complete(c, p)) for c, p in spec["complete"]]
    out["inspect"] = [reply_to(kc, kc.inspect(c, p)) for c, p in spec["inspect"]]
    # An interrupt (SIGINT to the kernel's process group, as Jupyter sends it), then a figure:
    # the kernel and its browser both survive, the figure still gets its PNG.
    loop = kc.execute("for (let i = 0; i < 600; i++) await new Promise((r) => setTimeout(r, 100));")
    time.sleep(2)
    km.interrupt_kernel()
    out["interrupted"] = reply_to(kc, loop)
    fig = kc.execute(spec["figure"])
    out["figure"] = reply_to(kc, fig)
    shown = []
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") != fig:
            continue
        if m["msg_type"] == "display_data":
            shown.append(sorted(m["content"]["data"].keys()))
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    out["figure_views"] = shown
    out["kernel_pid"] = km.provisioner.process.pid if getattr(km, "provisioner", None) else km.kernel.pid
    print(json.dumps(out, default=str), flush=True)
    # Now the test kills this process (SIGKILL: no shutdown request reaches the kernel).
    time.sleep(600)


if __name__ == "__main__":
    main()
