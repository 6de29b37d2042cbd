"""Drive the tunebook kernel over the Jupyter protocol (ZeroMQ) for tests/kernel/protocol.test.ts.

Reads a JSON list of steps on stdin: {"code": str, "interrupt_after": seconds?, "interrupt": "signal"|"message",
"linger": seconds?}. Starts the kernel named by argv[1] in folder argv[2] (Jupyter finds it through
JUPYTER_PATH), runs each step and prints one JSON object: {"kernel_info": ..., "steps": [{"reply": ...,
"iopub": [[msg_type, content], ...], "seconds": ..., "interrupt_reply": ...}]}.
"""
import json
import subprocess
import sys
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel


def main():
    name, cwd = sys.argv[1], sys.argv[2]
    steps = json.load(sys.stdin)
    # The kernel's own stdout/stderr go to a log file (ours carries the JSON result).
    log = open(sys.argv[3], "w") if len(sys.argv) > 3 else subprocess.DEVNULL
    km, kc = start_new_kernel(kernel_name=name, cwd=cwd, startup_timeout=120, stdout=log, stderr=log)
    out = {"steps": []}
    try:
        kc.kernel_info()
        out["kernel_info"] = kc.get_shell_msg(timeout=30)["content"]
        # Drain the iopub messages of kernel_info.
        time.sleep(0.2)
        while True:
            try:
                kc.get_iopub_msg(timeout=0.1)
            except Empty:
                break
        for step in steps:
            t0 = time.time()
            msg_id = kc.execute(step["code"])
            iopub = []
            interrupted = False
            interrupt_reply = None
            idle = False
            deadline = t0 + step.get("timeout", 90)
            shown_at = None
            while not idle and time.time() < deadline:
                # interrupt_after counts from the cell's first display when "after_display" is set.
                start = shown_at if step.get("after_display") else t0
                if not interrupted and "interrupt_after" in step and start is not None and time.time() - start >= step["interrupt_after"]:
                    interrupted = True
                    if step.get("interrupt") == "message":
                        kc.control_channel.send(kc.session.msg("interrupt_request", {}))
                        interrupt_reply = kc.get_control_msg(timeout=60)["content"]
                    else:
                        km.interrupt_kernel()
                try:
                    m = kc.get_iopub_msg(timeout=0.1)
                except Empty:
                    continue
                if m["parent_header"].get("msg_id") != msg_id:
                    continue
                iopub.append([m["msg_type"], m["content"], round(time.time() - t0, 3)])
                if m["msg_type"] == "display_data" and shown_at is None:
                    shown_at = time.time()
                if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    idle = True
            reply = None
            while reply is None:
                m = kc.get_shell_msg(timeout=30)
                if m["parent_header"].get("msg_id") == msg_id:
                    reply = m["content"]
            # Late outputs (e.g. a progress display's last update after an interrupt).
            linger_end = time.time() + step.get("linger", 0)
            while time.time() < linger_end:
                try:
                    m = kc.get_iopub_msg(timeout=0.1)
                except Empty:
                    continue
                if m["parent_header"].get("msg_id") == msg_id:
                    iopub.append([m["msg_type"], m["content"], round(time.time() - t0, 3)])
            out["steps"].append({"reply": reply, "iopub": iopub, "seconds": round(time.time() - t0, 3), "interrupt_reply": interrupt_reply})
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    # Messages can carry NaN (JSON has none): write them as strings.
    json.dump(clean(out), sys.stdout, default=str)


def clean(x):
    if isinstance(x, float) and x != x:
        return "NaN"
    if isinstance(x, float) and x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return x


if __name__ == "__main__":
    main()
