"""Writes on dues. Each checks scope, validates, writes and audits inside one transaction.

One module per section (bases, ledger, payments, exemptions, disclosure, arrears); helpers they share
live in `_common`. Callers import from this package (`from dangjian.dues import services`), never
from a submodule: every public name is re-exported here.
"""

from ._common import EXPECTED_UPDATE_FIELDS
from .arrears import dues_arrears_scan
from .bases import BaseRow, dues_base_set, dues_bases_set
from .disclosure import dues_disclosure_publish
from .exemptions import dues_exemption_apply, dues_exemption_decide
from .ledger import dues_month_compute
from .payments import PaymentRow, dues_payment_record, dues_payment_void, dues_payments_record

__all__ = [
    "EXPECTED_UPDATE_FIELDS",
    "BaseRow",
    "PaymentRow",
    "dues_arrears_scan",
    "dues_base_set",
    "dues_bases_set",
    "dues_disclosure_publish",
    "dues_exemption_apply",
    "dues_exemption_decide",
    "dues_month_compute",
    "dues_payment_record",
    "dues_payment_void",
    "dues_payments_record",
]
