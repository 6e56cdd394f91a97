"""Benefits: realisation against the register, support/TCO oversight, lessons learned.

:func:`benefit_realisation`, :func:`benefits_by_period` and
:func:`promised_vs_delivered` analyse the benefits register;
:func:`support_tco` sets post-go-live run cost and incidents next to realised
benefit; :func:`lessons_learned` tabulates reference-class uplifts for cost and
duration (built on :func:`pmo_analytics.intake.reference_class_uplifts`).
"""

from .lessons import HMT_OPTIMISM_BIAS, compare_with_hmt, lessons_learned, outturn_ratios, uplifts_to_adopt
from .register import benefit_realisation, benefits_by_period, promised_vs_delivered
from .support import support_tco

__all__ = [
    "benefits_by_period",
    "benefit_realisation",
    "promised_vs_delivered",
    "support_tco",
    "lessons_learned",
    "outturn_ratios",
    "uplifts_to_adopt",
    "compare_with_hmt",
    "HMT_OPTIMISM_BIAS",
]
