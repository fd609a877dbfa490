"""The translation catalogs (``<lang>/LC_MESSAGES/messages.po``), shipped as package data so
that an installed Sundown finds them wherever it runs from (see ``desk.i18n``)."""
