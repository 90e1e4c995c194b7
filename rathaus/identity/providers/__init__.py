"""Identity-provider plugins (plugin kind ``"identity"``): OpenID Connect, BundID and Mein Unternehmenskonto."""
