"""The yearly supervision plan: its file, its calendar periods and progress against targets."""
