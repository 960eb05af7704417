"""Text and posters: new, still text regions on wall zones (黑色小广告), found with RapidOCR.

``TextAnalyzer(zones, config, reference_bgr=..., engine=...)`` runs RapidOCR's text detector
(models bundled in the rapidocr wheel, never downloaded) on each wall zone, enlarged so its
long side is ``long_side_px``, and only when the zone changed. Text is new when it is not in
the camera's inventory (a set-up reference image, or text that stayed unchanged through the
first ``learn_s`` seconds); new text is reported once its pixels stayed the same for
``stable_s``. Text that changes in place (burned-in clocks, counters) is ignored for good.
Detections carry label ``text_region``, the ad score as confidence, and the ``data`` columns
``is_new``, ``still_since_s``, ``text``, ``has_phone`` and ``has_qr``.
"""

from detector.analyzers.text.analyzer import LABEL, TextAnalyzer, frame_clock_s
from detector.analyzers.text.config import TextConfig
from detector.analyzers.text.engine import OcrEngine, TextModelError

__all__ = ["LABEL", "OcrEngine", "TextAnalyzer", "TextConfig", "TextModelError", "frame_clock_s"]
