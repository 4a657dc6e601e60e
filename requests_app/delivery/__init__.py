"""What the requester receives: access packages and portability archives, and the Art. 15
cover document."""
