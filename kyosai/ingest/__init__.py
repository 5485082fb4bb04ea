"""Uploads: bytes → rows (parse) → problems and warnings → plan (diff) → commit."""

from kyosai.ingest.formats import UPLOAD_SUFFIXES
from kyosai.ingest.parse import ParseResult, parse_upload
from kyosai.ingest.plan import UploadPlan, commit_plan, plan_upload, sha256_of
from kyosai.ingest.problems import Problem
from kyosai.ingest.template import template_xlsx

__all__ = [
    "UPLOAD_SUFFIXES",
    "ParseResult",
    "Problem",
    "UploadPlan",
    "commit_plan",
    "parse_upload",
    "plan_upload",
    "sha256_of",
    "template_xlsx",
]
