"""Marketing to members: their consent (separate from the privacy policy, revocable), the weekly frequency cap
across campaigns, who each campaign or journey touched, and what that earned (effect rollups)."""
