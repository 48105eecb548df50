"""Intake: petitioners, registrations (登记), matters (信访事项), categories and attachments."""
