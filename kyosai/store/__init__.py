"""DuckDB storage: the monthly counts, the upload record, migrations, backups and restore.

The modules import only downwards:
faults (errors; storage faults told from damage) → db (lock, transactions, the waiting and
read-only open) → schema (migrations, versions) → backups → writes (the one
commit path: bump the data version, then back up) → uploads (record, undo) → counts (reads,
write_upload, sample) → removal (going live: the sample removed, undoably) →
events (取組 and their change record) → additions (procedures that went online) → plans
(revisions of targets and deadlines) →
integrity (the check on open) → connection (open, session); restore builds on backups and
writes.
This package re-exports what callers outside the store use.
"""

from kyosai.store.additions import (
    Addition,
    NewProcedure,
    add_procedure,
    read_addition_changes,
    undo_addition,
)
from kyosai.store.backups import BackupError, BackupOutcome
from kyosai.store.connection import DEFAULT_DB_PATH, connect, db_path_from_env, session
from kyosai.store.counts import (
    SAMPLE_FILE,
    SAMPLE_UPLOAD_NAME,
    SAMPLE_UPLOADER,
    UploadResult,
    latest_month,
    load_sample,
    read_counts,
    read_sample_rows,
    write_upload,
)
from kyosai.store.db import (
    DEFAULT_WAIT_SECONDS,
    LOCAL_ZONE,
    WAIT_SECONDS_ENV,
    is_read_only,
    now,
    transaction,
    wait_seconds_from_env,
)
from kyosai.store.events import (
    EventChange,
    add_event,
    edit_event,
    read_event_changes,
    read_events,
    remove_event,
    undo_event_change,
    with_stored_events,
)
from kyosai.store.faults import (
    BusyError,
    DamagedError,
    Fault,
    OutdatedError,
    StorageFault,
    StoreError,
    read_only_notice,
    storage_fault,
)
from kyosai.store.plans import (
    PlanChange,
    read_plan_changes,
    read_revisions,
    revise_plan,
    stored_catalog,
    undo_revision,
)
from kyosai.store.removal import (
    REMOVAL_NAME,
    Removal,
    SampleLeft,
    read_removal_rows,
    remove_sample,
    sample_left,
)
from kyosai.store.schema import SCHEMA_VERSION, data_version, migrate, schema_version
from kyosai.store.uploads import (
    REMOVE_SAMPLE_KIND,
    blocking_upload,
    find_upload_by_sha,
    read_upload_rows,
    read_uploads,
    undo_upload,
)

__all__ = [
    "DEFAULT_DB_PATH",
    "DEFAULT_WAIT_SECONDS",
    "LOCAL_ZONE",
    "REMOVAL_NAME",
    "REMOVE_SAMPLE_KIND",
    "SAMPLE_FILE",
    "SAMPLE_UPLOADER",
    "SAMPLE_UPLOAD_NAME",
    "SCHEMA_VERSION",
    "WAIT_SECONDS_ENV",
    "Addition",
    "BackupError",
    "BackupOutcome",
    "BusyError",
    "DamagedError",
    "EventChange",
    "Fault",
    "NewProcedure",
    "OutdatedError",
    "PlanChange",
    "Removal",
    "SampleLeft",
    "StorageFault",
    "StoreError",
    "UploadResult",
    "add_event",
    "add_procedure",
    "blocking_upload",
    "connect",
    "data_version",
    "db_path_from_env",
    "edit_event",
    "find_upload_by_sha",
    "is_read_only",
    "latest_month",
    "load_sample",
    "migrate",
    "now",
    "read_addition_changes",
    "read_counts",
    "read_event_changes",
    "read_events",
    "read_only_notice",
    "read_plan_changes",
    "read_removal_rows",
    "read_revisions",
    "read_sample_rows",
    "read_upload_rows",
    "read_uploads",
    "remove_event",
    "remove_sample",
    "revise_plan",
    "sample_left",
    "schema_version",
    "session",
    "storage_fault",
    "stored_catalog",
    "transaction",
    "undo_addition",
    "undo_event_change",
    "undo_revision",
    "undo_upload",
    "wait_seconds_from_env",
    "with_stored_events",
    "write_upload",
]
