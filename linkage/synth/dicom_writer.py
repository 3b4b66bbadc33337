"""Write tiny but real DICOM files with pydicom, with names in any byte encoding.

The PatientName bytes are written as given, so a file can carry Windows-1251
bytes with no SpecificCharacterSet, exactly as Russian CD writers do.
"""

from __future__ import annotations

import io
import re
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


def _code_item(value: str, meaning: str) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "99LOCAL", meaning
    return item


def _typical_elements() -> Dataset:
    """What a real MR/CT header carries besides identity: ~120 elements, sequences and
    private blocks (a Siemens CSA header is several KB in group 0029). pydicom parses
    all of it; the scanner stops after group 0020. Built once, copied per file."""
    ds = Dataset()
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND", "NORM"]
    for keyword in ("InstanceCreationDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        setattr(ds, keyword, "20200101")
    for keyword in ("InstanceCreationTime", "SeriesTime", "AcquisitionTime", "ContentTime"):
        setattr(ds, keyword, "101512.123000")
    ds.Manufacturer, ds.ManufacturerModelName = "SIEMENS", "Avanto"
    ds.InstitutionAddress = "Budapeshtskaya 3, Saint Petersburg"
    ds.ReferringPhysicianName, ds.StationName, ds.OperatorsName = "DOCTOR^A", "AWP40123", "OP"
    ds.ProcedureCodeSequence = [_code_item("MRLSP", "MR lumbar spine")]
    ds.ReferencedImageSequence = []
    for k in range(3):
        ref = Dataset()
        ref.ReferencedSOPClassUID = SOP_CLASSES["MR"]
        ref.ReferencedSOPInstanceUID = f"1.3.12.2.1107.5.2.30.25123.{k}.2020010110151234567"
        ds.ReferencedImageSequence.append(ref)
    ds.add_new(0x00090010, "LO", "SIEMENS CT VA1 DUMMY")
    for k in range(16):
        ds.add_new(0x00091010 + k, "LO", f"private value {k}")
    ds.PatientSize, ds.PatientWeight = "1.75", "80"
    ds.ScanningSequence, ds.SequenceVariant = "SE", ["SK", "SP", "OSP"]
    ds.ScanOptions, ds.MRAcquisitionType = "PFP", "2D"
    ds.SequenceName, ds.AngioFlag = "*tse2d1_17", "N"
    ds.SliceThickness, ds.RepetitionTime, ds.EchoTime = "4", "3500", "98"
    ds.NumberOfAverages, ds.ImagingFrequency, ds.ImagedNucleus = "2", "63.676", "1H"
    ds.EchoNumbers, ds.MagneticFieldStrength, ds.SpacingBetweenSlices = "1", "1.5", "4.4"
    ds.NumberOfPhaseEncodingSteps, ds.EchoTrainLength, ds.PercentSampling = "307", "17", "100"
    ds.PercentPhaseFieldOfView, ds.PixelBandwidth = "100", "190"
    ds.DeviceSerialNumber, ds.SoftwareVersions = "25123", "syngo MR B17"
    ds.ProtocolName, ds.TransmitCoilName = "t2_tse_sag", "Body"
    ds.AcquisitionMatrix = [0, 384, 307, 0]
    ds.InPlanePhaseEncodingDirection, ds.FlipAngle = "ROW", "150"
    ds.VariableFlipAngleFlag, ds.SAR, ds.dBdt = "N", "1.2", "0"
    ds.PatientPosition = "HFS"
    ds.add_new(0x00190010, "LO", "SIEMENS MR HEADER")
    for k in range(20):
        ds.add_new(0x00191008 + k, "LO", f"IMAGE NUM {k}")
    ds.AcquisitionNumber = 1
    ds.ImagePositionPatient = ["-12.5", "-150.2", "120.7"]
    ds.ImageOrientationPatient = ["0", "1", "0", "0", "0", "-1"]
    ds.FrameOfReferenceUID = "1.3.12.2.1107.5.2.30.25123.1.20200101101506984.0.0.0"
    ds.PositionReferenceIndicator, ds.SliceLocation = "", "-12.5"
    ds.add_new(0x00210010, "LO", "SIEMENS MR SDS 01")
    ds.PixelSpacing = ["0.78", "0.78"]
    ds.WindowCenter, ds.WindowWidth = "300", "700"
    ds.add_new(0x00290010, "LO", "SIEMENS CSA HEADER")
    ds.add_new(0x00291008, "CS", "IMAGE NUM 4")
    ds.add_new(0x00291010, "OB", bytes(range(256)) * 24)     # CSA image header, 6 KB
    ds.add_new(0x00291020, "OB", bytes(range(256)) * 32)     # CSA series header, 8 KB
    ds.RequestedProcedureDescription = "MR spine"
    request = Dataset()
    request.RequestedProcedureID, request.ScheduledProcedureStepID = "1234", "1234"
    ds.RequestAttributesSequence = [request]
    return ds


_TYPICAL = _typical_elements()


def dataset_for(spec: InstanceSpec) -> Dataset:
    ds = Dataset()
    ds.update(_TYPICAL)
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
    number = re.search(r"\d+$", spec.series_description)  # "T2 SAG 3" is series 3
    ds.SeriesNumber = int(number.group()) if number else 1
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
