"""``--engine processes``: each camera's ``CameraWorker`` in an OS process of this machine,
supervised as Ray supervises its actors, without Ray. A process that dies is started again at
the next poll; the worker's restart pacing slows a crash loop down, and its spool and replay
checkpoint keep what was sent from being sent twice."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnProcess
from typing import Literal

from detector.engine.restarts import KEEP_STARTS, RestartPolicy, restart_delay_s
from detector.engine.specs import WorkerSpec
from detector.engine.status import CameraStatus
from detector.engine.worker import CameraWorker

log = logging.getLogger(__name__)

EXIT_GRACE_S = 5.0
"""How long a process that answered ``stop`` gets to exit before it is killed."""


@dataclass(frozen=True)
class Request:
    """From the engine to a camera process; the answer carries ``number`` back."""

    number: int
    kind: Literal["status", "stop"]


@dataclass(frozen=True)
class Answer:
    number: int
    status: CameraStatus


def serve(spec: WorkerSpec, policy: RestartPolicy, pipe: Connection, log_level: int) -> None:
    """A camera process: the worker, answering the engine until asked to stop."""
    # Ctrl-C reaches every process of the terminal; the engine stops the cameras itself, so
    # that each outbox drains first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(
        level=log_level, format=f"({spec.camera_id} pid=%(process)d) %(levelname)s %(message)s"
    )
    worker = CameraWorker(spec, policy)
    try:
        while True:
            request: Request = pipe.recv()
            if request.kind == "stop":
                pipe.send(Answer(request.number, worker.stop()))
                return
            pipe.send(Answer(request.number, worker.status()))
    except (EOFError, OSError):  # the engine is gone: stop rather than run unsupervised
        worker.stop()


class CameraProcess:
    """One camera's process and the engine's end of its pipe."""

    def __init__(self, spec: WorkerSpec, policy: RestartPolicy) -> None:
        self.spec = spec
        self.policy = policy
        self.stopping = False
        """Asked to stop: its end is not a death to recover from."""
        self._numbered = 0
        self._awaited: int | None = None
        """The request whose answer is still out; one at a time, so a slow process (one
        importing, or busy) is not sent a pile of requests it would answer one by one."""
        self._spawned_s: list[float] = []
        """Epoch seconds of this camera's process starts."""
        self._answered = False
        self._revive_at: float | None = None
        self.process, self.pipe = self._spawn()

    def _spawn(self) -> tuple[SpawnProcess, Connection]:
        # spawn, not fork: the engine runs threads (reporter, live table), which fork would
        # copy mid-lock.
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        level = logging.getLogger().getEffectiveLevel()
        process = context.Process(
            target=serve,
            args=(self.spec, self.policy, theirs, level),
            name=f"camera-{self.spec.camera_id}",
            daemon=True,  # never outlives the engine's process
        )
        process.start()
        theirs.close()  # ours then reads end-of-file once the process dies
        self._awaited = None
        self._answered = False
        self._revive_at = None
        self._spawned_s = [*self._spawned_s, time.time()][-KEEP_STARTS:]
        return process, ours

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def waiting(self) -> bool:
        return self._awaited is not None

    def revive_if_dead(self) -> None:
        if self.stopping or self.process.exitcode is None:
            return
        if self._revive_at is None:
            # One that died before it ever answered never reached the worker's own pacing
            # (a broken install, say): without this it would be started again at every poll.
            delay_s = 0.0
            if not self._answered:
                delay_s = restart_delay_s(self._spawned_s, time.time(), self.policy)
            self._revive_at = time.monotonic() + delay_s
            log.warning(
                "camera %s: process %s ended (exit code %s); starting it again in %g s",
                self.spec.camera_id,
                self.pid,
                self.process.exitcode,
                delay_s,
            )
        if time.monotonic() >= self._revive_at:
            self.pipe.close()
            self.process, self.pipe = self._spawn()

    def ask(self, kind: Literal["status", "stop"]) -> None:
        if kind == "status" and (self.waiting or self._revive_at is not None):
            return
        self._numbered += 1
        try:
            self.pipe.send(Request(self._numbered, kind))
        except OSError:  # died: no answer comes (the next poll starts it again)
            self._awaited = None
        else:
            self._awaited = self._numbered

    def answer(self) -> CameraStatus | None:
        """The awaited answer if it has come; answers to earlier requests are dropped."""
        try:
            while self.waiting and self.pipe.poll():
                answer: Answer = self.pipe.recv()
                self._answered = True
                if answer.number == self._awaited:
                    self._awaited = None
                    return answer.status
        except (EOFError, OSError):  # died meanwhile
            self._awaited = None
        return None

    def end(self, grace_s: float) -> None:
        """Wait ``grace_s`` for the process to exit, then kill it."""
        self.process.join(grace_s)
        if self.process.is_alive():
            log.warning("camera %s: process %s killed", self.spec.camera_id, self.pid)
            self.process.kill()
            self.process.join()
        self.pipe.close()


class ProcessBackend:
    """A process per camera on this machine; ``statuses`` (each poll) restarts dead ones."""

    label = "processes"

    def start(self, spec: WorkerSpec, policy: RestartPolicy) -> CameraProcess:
        return CameraProcess(spec, policy)

    def statuses(
        self, handles: Mapping[str, CameraProcess], timeout_s: float
    ) -> dict[str, CameraStatus | None]:
        for camera in handles.values():
            camera.revive_if_dead()
            camera.ask("status")
        return _answers(handles, timeout_s)

    def stop(
        self, handles: Mapping[str, CameraProcess], timeout_s: float
    ) -> dict[str, CameraStatus | None]:
        for camera in handles.values():
            camera.stopping = True
            camera.ask("stop")
        final = _answers(handles, timeout_s)
        for camera_id, camera in handles.items():
            if final[camera_id] is None:
                log.warning("camera %s: not stopped cleanly", camera_id)
            camera.end(EXIT_GRACE_S if final[camera_id] is not None else 0.0)
        return final

    def close(self) -> list[str]:
        return []  # every camera loads its own models: nothing shared to stop

    def caption(self) -> str | None:
        return None


def _answers(
    handles: Mapping[str, CameraProcess], timeout_s: float
) -> dict[str, CameraStatus | None]:
    """Every camera's awaited answer that comes within ``timeout_s``."""
    answers: dict[str, CameraStatus | None] = dict.fromkeys(handles)
    deadline = time.monotonic() + timeout_s
    while True:
        for camera_id, camera in handles.items():
            if answers[camera_id] is None:
                answers[camera_id] = camera.answer()
        waiting = [camera.pipe for camera in handles.values() if camera.waiting]
        left_s = deadline - time.monotonic()
        if not waiting or left_s <= 0:
            return answers
        wait(waiting, left_s)
