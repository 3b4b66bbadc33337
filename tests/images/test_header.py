"""The struct header reader at the byte level, with pydicom as the oracle: groups it
jumps over, sequences of undefined length inside them, a wanted tag after a private
block, and big endian (left to pydicom)."""

from __future__ import annotations

import io

import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian

from linkage.images.header import NotFast, read_header, read_header_with_pydicom

NAME = "Иванов^Иван".encode("cp1251")


def _dataset(undefined_sequence: bool, private_block: bool) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    ds.SOPInstanceUID = "1.2.826.0.1.3.4"
    ds.StudyDate = "20240110"
    ds.Modality = "MR"
    ds.StudyDescription = "MRI L-SPINE"
    # group 0008 beyond the wanted tags, then a whole unwanted group with a sequence
    ds.ReferringPhysicianName = "DOCTOR^WHO"
    if private_block:
        ds.private_block(0x0009, "ACME 1.0", create=True).add_new(0x10, "UT", "x" * 300)
    ds.add_new(0x00100010, "PN", NAME)            # raw Windows-1251 bytes, no charset
    ds.PatientID = "P-17"
    ds.PatientBirthDate = "19600201"
    ds.PatientSex = "M"
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.3"
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
    seq = Sequence([item, item])
    ds.add_new(0x00131010, "SQ", seq)              # an unwanted (private) group, jumped
    ds[0x00131010].is_undefined_length = undefined_sequence
    ds.add_new(0x00130010, "LO", "PRIV")
    ds.BodyPartExamined = "LSPINE"
    ds.StudyInstanceUID = "1.2.826.0.1.3"
    ds.SeriesInstanceUID = "1.2.826.0.1.3.1"
    ds.add_new(0x00290010, "LO", "SIEMENS CSA HEADER")
    ds.add_new(0x00291010, "OB", b"\0" * 2000)
    return ds


def _bytes(ds: Dataset, syntax: str) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = syntax
    ds.file_meta = meta
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _oracle(data: bytes) -> dict[str, bytes]:
    ds = pydicom.dcmread(io.BytesIO(data))
    return {"patient_name": ds[0x00100010].value if isinstance(ds[0x00100010].value, bytes)
            else NAME, "patient_id": ds.PatientID.encode(),
            "birth_date": ds.PatientBirthDate.encode(), "sex": ds.PatientSex.encode(),
            "study_instance_uid": ds.StudyInstanceUID.encode(),
            "series_instance_uid": ds.SeriesInstanceUID.encode(),
            "body_part": ds.BodyPartExamined.encode(), "modality": ds.Modality.encode()}


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
@pytest.mark.parametrize("undefined", [True, False])
@pytest.mark.parametrize("private", [True, False])
def test_jumped_groups_and_sequences_do_not_hide_wanted_tags(syntax, undefined, private
                                                             ) -> None:
    data = _bytes(_dataset(undefined, private), syntax)
    if undefined:
        assert b"\xfe\xff\xdd\xe0" in data        # really written with a delimiter
    header = read_header(data, len(data))
    for name, value in _oracle(data).items():
        assert header.values[name].rstrip(b"\0 ") == value.rstrip(b"\0 "), name


def test_big_endian_goes_to_pydicom_with_the_same_values() -> None:
    data = _bytes(_dataset(True, True), ExplicitVRBigEndian)
    with pytest.raises(NotFast):
        read_header(data, len(data))
    header = read_header_with_pydicom(data)
    assert header.text("study_instance_uid") == "1.2.826.0.1.3"
    assert header.values["patient_name"].rstrip(b" ") == NAME
    assert header.text("birth_date") == "19600201"


def test_a_file_cut_inside_a_jumped_group_asks_for_more_bytes_or_fails_cleanly() -> None:
    from linkage.images.header import HeaderError

    data = _bytes(_dataset(True, True), ExplicitVRLittleEndian)
    cut = data.index(b"\xfe\xff\xdd\xe0")
    with pytest.raises(HeaderError):
        read_header(data[:cut], len(data))
