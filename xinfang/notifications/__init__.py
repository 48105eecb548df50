"""Notifications (提醒): in-app always; SMS and e-mail through pluggable backends."""
