"""The sources of `data/raw/`, one loader module each; SOURCES is what ingestion iterates."""

from . import (
    avtalsregister,
    enkat,
    ersattningar,
    leverantorsrapporter,
    malgruppsregister,
    omradesstatistik,
    upphandlingsmyndigheten,
)
from .contract import FileRefused, LoadContext, ParsedFile, Source

SOURCES: dict[str, Source] = {
    module.SOURCE.name: module.SOURCE
    for module in (
        upphandlingsmyndigheten,
        avtalsregister,
        leverantorsrapporter,
        malgruppsregister,
        enkat,
        omradesstatistik,
        ersattningar,
    )
}

__all__ = ["SOURCES", "FileRefused", "LoadContext", "ParsedFile", "Source"]
