"""The RQ job functions under their stored dotted paths (`worker.jobs.process_document` …).

Jobs already queued in Redis name these paths; the code lives in `worker/runtime/jobs.py`.
"""

from worker.runtime.jobs import (
    finalize_document,
    on_job_failure,
    on_section_failure,
    process_document,
    process_section,
)

__all__ = [
    "finalize_document",
    "on_job_failure",
    "on_section_failure",
    "process_document",
    "process_section",
]
