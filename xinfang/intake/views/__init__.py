"""Intake pages for the staff: registering, the matter list and detail, a person's history."""

from xinfang.intake.views.files import attachment_download
from xinfang.intake.views.matters import matter_detail, matter_list
from xinfang.intake.views.people import petitioner_detail, reveal
from xinfang.intake.views.register import person_lookup, register
from xinfang.intake.views.similar import similar_lookup
from xinfang.intake.views.suggest import suggestions

__all__ = [
    "attachment_download",
    "matter_detail",
    "matter_list",
    "person_lookup",
    "petitioner_detail",
    "register",
    "reveal",
    "similar_lookup",
    "suggestions",
]
