"""Write tiny but real DICOM files with pydicom, with names in any byte encoding.

The PatientName bytes are written as given, so a file can carry Windows-1251
bytes with no SpecificCharacterSet, exactly as Russian CD writers do.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pydicom
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

SOP_CLASSES = {"CT": "1.2.840.10008.5.1.4.1.1.2", "MR": "1.2.840.10008.5.1.4.1.1.4",
               "CR": "1.2.840.10008.5.1.4.1.1.1", "DX": "1.2.840.10008.5.1.4.1.1.1.1"}
_PIXELS = bytes(range(32))   # 4 x 4 x 16 bit


@dataclass
class InstanceSpec:
    """What one file says about itself."""

    patient_name: bytes
    charset: str                 # SpecificCharacterSet to declare, "" for none
    patient_id: str
    birth_date: str              # DICOM DA or ""
    sex: str
    study_uid: str
    series_uid: str
    sop_uid: str
    study_date: str
    modality: str
    study_description: str
    series_description: str
    body_part: str
    institution: str
    instance_number: int = 1
    implicit: bool = False
    preamble: bool = True


def dataset_for(spec: InstanceSpec) -> Dataset:
    ds = Dataset()
    if spec.charset:
        ds.SpecificCharacterSet = spec.charset
    ds.SOPClassUID = SOP_CLASSES.get(spec.modality, SOP_CLASSES["CT"])
    ds.SOPInstanceUID = spec.sop_uid
    ds.StudyDate = spec.study_date
    ds.StudyTime = "101500"
    ds.Modality = spec.modality
    ds.add(DataElement(0x00080080, "LO", _encode(spec.institution, spec.charset)))
    ds.add(DataElement(0x00081030, "LO", _encode(spec.study_description, spec.charset)))
    ds.add(DataElement(0x0008103E, "LO", _encode(spec.series_description, spec.charset)))
    ds.add(DataElement(0x00100010, "PN", spec.patient_name))
    ds.PatientID = spec.patient_id
    ds.add(DataElement(0x00100030, "DA", spec.birth_date.encode("ascii")))  # placeholders too
    ds.PatientSex = spec.sex
    ds.BodyPartExamined = spec.body_part
    ds.StudyInstanceUID = spec.study_uid
    ds.SeriesInstanceUID = spec.series_uid
    ds.StudyID = "1"
    ds.SeriesNumber = int(spec.series_description.rsplit(" ", 1)[-1]) \
        if spec.series_description[-1:].isdigit() else 1
    ds.InstanceNumber = spec.instance_number
    ds.Rows, ds.Columns = 4, 4
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = _PIXELS
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if spec.implicit else ExplicitVRLittleEndian
    ds.file_meta = meta
    return ds


def _encode(text: str, charset: str) -> bytes:
    codec = {"ISO_IR 144": "iso8859_5", "ISO_IR 192": "utf_8", "ISO_IR 100": "latin_1"}.get(
        charset, "cp1251")
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        return text.encode("cp1251", "replace")


def instance_bytes(spec: InstanceSpec) -> bytes:
    """The file as bytes: with preamble and meta, or a bare dataset (old CD writers)."""
    ds = dataset_for(spec)
    out = io.BytesIO()
    if spec.preamble:
        ds.save_as(out, enforce_file_format=True)
    else:
        del ds.file_meta
        pydicom.dcmwrite(out, ds, implicit_vr=spec.implicit, little_endian=True,
                         enforce_file_format=False)
    return out.getvalue()
