"""Test helpers shared by every app's tests: the persona cast and valid identity numbers."""
