"""The clinician's loop: review.xlsx out, decisions back in, links for outcome studies."""
