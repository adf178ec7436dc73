"""Runs a compiled model on 2 threads, then measures the process's CPU time
while it sleeps: libomp's own default keeps each worker spinning for 200 ms
after every run (KMP_BLOCKTIME), the runtime's wait policy only briefly.

usage: idle_cpu.py MODEL.so WEIGHTS.safetensors X.safetensors

Prints "idle: the workers slept" when the CPU time spent during 300 ms of
sleep after a run stays under 100 ms (with libomp's default policy: 174 ms
measured on a loaded 2-core machine; a whole idle core's worth unloaded),
else "idle: the workers spun for N ms".
"""
import os
import resource
import sys
import time

import attnc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "reference"))
import safetensors_np  # noqa: E402

SLEEP_S = 0.3
LIMIT_MS = 100


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    so, weights, inputs = sys.argv[1:4]
    m = attnc.Model(so)
    m.load_weights(weights)
    m.set_threads(2)
    x = safetensors_np.load(inputs)["x"]
    for _ in range(3):
        m.run(x=x)
    before = cpu_seconds()
    time.sleep(SLEEP_S)
    spent_ms = (cpu_seconds() - before) * 1e3
    if spent_ms < LIMIT_MS:
        print("idle: the workers slept")
    else:
        print(f"idle: the workers spun for {spent_ms:.0f} ms")
    m.close()


if __name__ == "__main__":
    main()
