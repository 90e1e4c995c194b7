"""Online applications: form definitions per service, drafts, atomic submissions, receipts, citizen mailbox."""
