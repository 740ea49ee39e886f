"""Marketing-mix model for channels known only by their weekly spend (docs/mmm.md)."""

from crmroi.mmm.fit import ChannelEstimate, MmmResult, fit_mmm
from crmroi.mmm.transforms import adstock, hill

__all__ = ["ChannelEstimate", "MmmResult", "adstock", "fit_mmm", "hill"]
